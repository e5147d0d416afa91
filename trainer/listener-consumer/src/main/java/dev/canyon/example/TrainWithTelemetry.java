package dev.canyon.example;

import dev.canyon.trainer.telemetry.TelemetryConfig;
import dev.canyon.trainer.telemetry.TelemetryListener;
import java.util.Random;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Trains a small ComputationGraph (20 → 16 → 3, Adam) for 30 steps on random data with Canyon's
 * telemetry attached in one line. Arguments: Kafka bootstrap servers (default: the system property
 * {@code canyon.bootstrap}, else localhost:9092) and an optional run id.
 */
public final class TrainWithTelemetry {
    static final int STEPS = 30;

    public static void main(String[] args) {
        String bootstrap = args.length > 0 ? args[0] : System.getProperty("canyon.bootstrap", "localhost:9092");
        String runId = args.length > 1 ? args[1] : null;
        try {
            ComputationGraph graph = network();
            TelemetryConfig config = TelemetryConfig.builder().bootstrapServers(bootstrap).run("listener-consumer", runId).build();
            try (TelemetryListener telemetry = new TelemetryListener(config)) {
                graph.setListeners(telemetry);
                Random random = new Random(7);
                for (int step = 0; step < STEPS; step++) {
                    graph.fit(batch(random, 32));
                }
                System.out.printf("trained %d steps of run %s, loss %.4f%n", telemetry.steps(), telemetry.runId(), telemetry.lastLoss());
            }
        } catch (RuntimeException e) {
            e.printStackTrace();
            System.exit(1);
        }
        // ND4J may leave non-daemon threads behind.
        System.exit(0);
    }

    static ComputationGraph network() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(7)
                .updater(new Adam(1e-2))
                .graphBuilder()
                .addInputs("in")
                .addLayer("hidden", new DenseLayer.Builder().nIn(20).nOut(16).activation(Activation.RELU).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(16).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "hidden")
                .setOutputs("out")
                .build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        return graph;
    }

    static DataSet batch(Random random, int size) {
        float[] x = new float[size * 20];
        float[] y = new float[size * 3];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        for (int b = 0; b < size; b++) {
            y[b * 3 + random.nextInt(3)] = 1;
        }
        return new DataSet(Nd4j.create(x, new long[] {size, 20}, 'c'), Nd4j.create(y, new long[] {size, 3}, 'c'));
    }
}
