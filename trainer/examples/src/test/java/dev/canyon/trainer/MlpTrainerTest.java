package dev.canyon.trainer;

import org.junit.jupiter.api.Tag;
import static org.assertj.core.api.Assertions.assertThat;

import dev.canyon.contract.kafka.TopicSetup;
import dev.canyon.stack.EmbeddedKafka;
import dev.canyon.trainer.data.FashionMnist;
import dev.canyon.trainer.telemetry.TelemetryConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The MLP trainer on Fashion-MNIST with its telemetry through a real (embedded) broker. */
@Tag("real")
class MlpTrainerTest {
    @TempDir
    Path dir;

    @Test
    void trainsAndPublishesEveryStep() {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
            TopicSetup.ensure(kafka.bootstrapServers());
            MlpTrainer.Options options = MlpTrainer.Options.builder().steps(6).trainExamples(500).batchSize(16).hidden(8)
                    .learningRate(0.05).build();
            long[] progress = {0};
            MlpTrainer.Result result = MlpTrainer.train(options,
                    TelemetryConfig.builder().bootstrapServers(kafka.bootstrapServers()).run("exp-mlp", "run-mlp").build(), s -> progress[0] = s);
            assertThat(result.runId()).isEqualTo("run-mlp");
            assertThat(result.experimentId()).isEqualTo("exp-mlp");
            assertThat(result.steps()).isEqualTo(6);
            assertThat(progress[0]).isEqualTo(6);
            assertThat(result.stepsPublished()).isEqualTo(6);
            assertThat(result.recordsFailed()).isZero();
            assertThat(result.parameters()).isEqualTo((FashionMnist.PIXELS + 1) * 8 + (8 + 1) * FashionMnist.CLASSES);
            assertThat(result.finalLoss()).isBetween(0.0, 10.0);
            // The final weights' loss over the 500 loaded examples, re-evaluated: the same number as DL4J scores them in
            // one batch, and unlike the last minibatch's (16 examples).
            assertThat(result.trainingLossExamples()).isEqualTo(500);
            assertThat(result.trainingLoss()).isBetween(0.0, 10.0).isNotEqualTo(result.finalLoss());
        }
    }
}
