package dev.canyon.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canyon.contract.proto.RunEnded;
import dev.canyon.contract.proto.RunStarted;
import dev.canyon.contract.proto.Step;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Version-1 records written once and committed under {@code src/test/resources/golden/v1}. They
 * must stay readable by every later reader, and today's writer must still produce them byte for
 * byte. To regenerate after a deliberate format change (and a version bump), run with
 * {@code -Dcanyon.golden.write=<dir>}.
 */
class GoldenFixturesTest {

    @Test
    void goldenRunStartedDecodes() throws IOException {
        WireRecords.Decoded d = WireRecords.decode(read("run-started.bin"));
        RunStarted r = ((WireRecords.DecodedRunStarted) d).record();
        assertThat(r.getRunId()).isEqualTo("run-golden");
        assertThat(r.getParameterCount()).isEqualTo(5);
        assertThat(r.getLabelsMap()).containsEntry("purpose", "golden");
    }

    @Test
    void goldenStepDecodes() throws IOException {
        Step s = WireRecords.decodeStep(read("step-3.bin"));
        assertThat(s.getStep()).isEqualTo(3);
        assertThat(s.getLoss()).isEqualTo(2.5 / 3);
        assertThat(Vectors.toFloats(s.getDelta())).containsExactly(-0.05f, 0.025f, -0.1f, 0f, -0.2f);
        assertThat(s.getScalars().getGradNorm()).isEqualTo(Math.sqrt(0.25 + 0.0625 + 1 + 4));
    }

    @Test
    void goldenRunEndedDecodes() throws IOException {
        RunEnded r = ((WireRecords.DecodedRunEnded) WireRecords.decode(read("run-ended.bin"))).record();
        assertThat(r.getOutcome()).isEqualTo(RunEnded.Outcome.COMPLETED);
        assertThat(r.getSteps()).isEqualTo(3);
    }

    @Test
    void writerStillProducesTheGoldenBytes() throws IOException {
        String writeTo = System.getProperty("canyon.golden.write");
        if (writeTo != null) {
            Path dir = Path.of(writeTo);
            Files.createDirectories(dir);
            Files.write(dir.resolve("run-started.bin"), WireRecords.encode(SampleRecords.runStarted()));
            Files.write(dir.resolve("step-3.bin"), WireRecords.encode(SampleRecords.step(3)));
            Files.write(dir.resolve("run-ended.bin"), WireRecords.encode(SampleRecords.runEnded()));
        }
        assertThat(WireRecords.encode(SampleRecords.runStarted())).isEqualTo(read("run-started.bin"));
        assertThat(WireRecords.encode(SampleRecords.step(3))).isEqualTo(read("step-3.bin"));
        assertThat(WireRecords.encode(SampleRecords.runEnded())).isEqualTo(read("run-ended.bin"));
    }

    private static byte[] read(String name) throws IOException {
        try (InputStream in = GoldenFixturesTest.class.getResourceAsStream("/golden/v1/" + name)) {
            assertThat(in).as("golden fixture " + name).isNotNull();
            return in.readAllBytes();
        }
    }
}
