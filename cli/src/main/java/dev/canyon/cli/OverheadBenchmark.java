package dev.canyon.cli;

import dev.canyon.contract.Topics;
import dev.canyon.contract.VectorRepresentation;
import dev.canyon.contract.kafka.TopicSetup;
import dev.canyon.stack.EmbeddedKafka;
import dev.canyon.trainer.MlpTrainer;
import dev.canyon.trainer.data.FashionMnist;
import dev.canyon.trainer.telemetry.KafkaTelemetrySink;
import dev.canyon.trainer.telemetry.RunDescription;
import dev.canyon.trainer.telemetry.TelemetryConfig;
import dev.canyon.trainer.telemetry.TelemetryListener;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Trainer overhead, measured side by side in one run: the same MLP trained with no telemetry,
 * with Canyon in sketch mode, with Canyon shipping full vectors, and with DL4J's own StatsListener
 * (in-memory storage). Each configuration trains its own copy of the network (same initialization,
 * same batches); rounds of a few steps are interleaved in a shuffled order, and each round's step
 * time is divided by the same round's no-telemetry step time. A Canyon round ends when its steps
 * have been processed (scalars, sketches, records handed to the producer), so work on a telemetry
 * thread is charged to it; the broker's acknowledgements are then awaited untimed, so that one
 * configuration's broker traffic does not land in another's round. The training thread's share
 * alone is reported too. Reported: the median of those paired
 * ratios with its quartiles, because this machine's step time drifts by 2x between rounds.
 *
 * <p>Separately, full-vector publishing bandwidth: the same encoded records sent through Canyon's
 * publisher and through a bare KafkaProducer with the same settings to the same broker,
 * alternating, reported as the median ratio of throughputs.
 */
final class OverheadBenchmark {

    /** What to measure. */
    record Options(int hidden, int rounds, int stepsPerRound, int batchSize, int bandwidthRecords, int bandwidthRepeats,
            Path dataDir, Path workDir, long seed, List<String> configs) {}

    /** The configurations measured, "none" always first (the reference). */
    static final List<String> CONFIGS = List.of("none", "sketch", "sketch-background", "full", "dl4j-stats");

    private static final String BENCH_TOPIC = "canyon.bench";

    private OverheadBenchmark() {}

    static Map<String, Object> run(Options o, PrintStream progress) throws Exception {
        FashionMnist.Split data = FashionMnist.train(o.dataDir(), 20_000);
        Map<String, Object> out = new LinkedHashMap<>();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(o.workDir().resolve("kafka"))) {
            TopicSetup.ensure(kafka.bootstrapServers());
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                if (!admin.listTopics().names().get().contains(BENCH_TOPIC)) {
                    admin.createTopics(List.of(new NewTopic(BENCH_TOPIC, 1, (short) 1)
                            .configs(Map.of("max.message.bytes", Integer.toString(Topics.MAX_RECORD_BYTES))))).all().get();
                }
            }
            List<String> configs = new ArrayList<>(List.of("none"));
            o.configs().stream().filter(c -> !c.equals("none")).forEach(configs::add);
            Map<String, MultiLayerNetwork> nets = new LinkedHashMap<>();
            Map<String, Batches> batches = new LinkedHashMap<>();
            Map<String, TelemetryListener> canyon = new LinkedHashMap<>();
            for (String c : configs) {
                MultiLayerNetwork net = MlpTrainer.network(o.hidden(), 0.05, o.seed());
                nets.put(c, net);
                batches.put(c, new Batches(data, o.batchSize(), o.seed()));
                TelemetryConfig.Builder base = TelemetryConfig.builder().bootstrapServers(kafka.bootstrapServers())
                        .run("bench", "bench-" + c + "-" + System.currentTimeMillis())
                        .stepBudget(Duration.ofMillis(200)).inFlightBytes(64L << 20).journalDir(o.workDir().resolve("journal"))
                        .journalMaxBytes(8L << 30).closeTimeout(Duration.ofSeconds(300));
                switch (c) {
                    case "sketch" -> canyon.put(c, TelemetryListener.attach(net, base.vectors(VectorRepresentation.sketch(
                            VectorRepresentation.DEFAULT_SKETCH_SIZE)).build(), RunDescription.unknown()));
                    case "sketch-background" -> canyon.put(c, TelemetryListener.attach(net, base.vectors(
                            VectorRepresentation.sketch(VectorRepresentation.DEFAULT_SKETCH_SIZE)).background(true).build(),
                            RunDescription.unknown()));
                    case "full" -> canyon.put(c, TelemetryListener.attach(net, base.vectors(VectorRepresentation.FULL).build(),
                            RunDescription.unknown()));
                    case "dl4j-stats" -> net.addListeners(dl4jStatsListener());
                    default -> { }
                }
            }
            long parameters = nets.get("none").numParams();
            progress.printf("overhead: MLP 784-%d-10 (%,d parameters), batch %d, %d rounds x %d steps per configuration%n",
                    o.hidden(), parameters, o.batchSize(), o.rounds(), o.stepsPerRound());
            // Warm-up: JIT and native allocations, not measured.
            for (String c : configs) {
                timeSteps(nets.get(c), batches.get(c), 3);
            }
            Map<String, double[]> stepMs = new LinkedHashMap<>();
            Map<String, double[]> trainingThreadMs = new LinkedHashMap<>();
            configs.forEach(c -> stepMs.put(c, new double[o.rounds()]));
            configs.forEach(c -> trainingThreadMs.put(c, new double[o.rounds()]));
            Random random = new Random(o.seed());
            ProgressBar bar = new ProgressBar(progress, "rounds", o.rounds());
            for (int r = 0; r < o.rounds(); r++) {
                List<String> order = new ArrayList<>(configs);
                Collections.shuffle(order, random);
                for (String c : order) {
                    long start = System.nanoTime();
                    for (int i = 0; i < o.stepsPerRound(); i++) {
                        nets.get(c).fit(batches.get(c).next());
                    }
                    long trained = System.nanoTime();
                    if (canyon.containsKey(c)) {
                        // Timed: the round ends when its steps are processed (scalars, sketches,
                        // records handed to the producer), so background processing is charged to
                        // this configuration. Acknowledgements are awaited untimed below: the
                        // producer's round trip is latency, not training time.
                        canyon.get(c).awaitProcessing();
                    }
                    long done = System.nanoTime();
                    if (canyon.containsKey(c)) {
                        canyon.get(c).flush(Duration.ofSeconds(120));
                    }
                    stepMs.get(c)[r] = (done - start) / 1e6 / o.stepsPerRound();
                    trainingThreadMs.get(c)[r] = (trained - start) / 1e6 / o.stepsPerRound();
                }
                bar.update(r + 1, "");
            }
            for (TelemetryListener l : canyon.values()) {
                l.close();
            }
            out.put("model", "mlp-784-" + o.hidden() + "-10");
            out.put("parameters", parameters);
            out.put("batch_size", o.batchSize());
            out.put("rounds", o.rounds());
            out.put("steps_per_round", o.stepsPerRound());
            Map<String, Object> times = new LinkedHashMap<>();
            stepMs.forEach((c, v) -> times.put(c, round(median(v), 3)));
            out.put("median_step_ms", times);
            Map<String, Object> ratios = new LinkedHashMap<>();
            for (String c : configs.subList(1, configs.size())) {
                double[] paired = new double[o.rounds()];
                for (int r = 0; r < o.rounds(); r++) {
                    paired[r] = stepMs.get(c)[r] / stepMs.get("none")[r];
                }
                ratios.put(c, quartiles(paired));
            }
            out.put("step_time_ratio_vs_none", ratios);
            Map<String, Object> threadRatios = new LinkedHashMap<>();
            for (String c : configs.stream().filter(canyon::containsKey).toList()) {
                double[] paired = new double[o.rounds()];
                for (int r = 0; r < o.rounds(); r++) {
                    paired[r] = trainingThreadMs.get(c)[r] / trainingThreadMs.get("none")[r];
                }
                threadRatios.put(c, quartiles(paired));
            }
            out.put("training_thread_ratio_vs_none", threadRatios);
            if (o.bandwidthRepeats() > 0) {
                out.put("full_publish_bandwidth", bandwidth(kafka.bootstrapServers(), (int) parameters, o, progress));
            }
        }
        return out;
    }

    /** Whether DL4J's StatsListener is on the classpath (jar built with -Ddl4j-stats). */
    static boolean dl4jStatsAvailable() {
        try {
            Class.forName("org.deeplearning4j.ui.model.stats.StatsListener");
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /** DL4J's StatsListener over in-memory storage, by reflection (an optional dependency). */
    private static TrainingListener dl4jStatsListener() {
        try {
            Class<?> storage = Class.forName("org.deeplearning4j.ui.model.storage.InMemoryStatsStorage");
            Class<?> router = Class.forName("org.deeplearning4j.core.storage.StatsStorageRouter");
            Class<?> listener = Class.forName("org.deeplearning4j.ui.model.stats.StatsListener");
            Object store = storage.getConstructor().newInstance();
            return (TrainingListener) listener.getConstructor(router).newInstance(store);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("DL4J's StatsListener is not on the classpath: build with "
                    + "./mvnw -B -DskipTests -Ddl4j-stats install", e);
        }
    }

    /** Mean wall time of one step over {@code n} steps, ms (warm-up). */
    private static double timeSteps(MultiLayerNetwork net, Batches batches, int n) {
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            net.fit(batches.next());
        }
        return (System.nanoTime() - start) / 1e6 / n;
    }

    private static Map<String, Object> bandwidth(String bootstrap, int parameters, Options o, PrintStream progress) {
        Random random = new Random(o.seed());
        List<byte[]> records = new ArrayList<>();
        for (int i = 0; i < o.bandwidthRecords(); i++) {
            byte[] r = new byte[8 * parameters + 200];
            random.nextBytes(r);
            records.add(r);
        }
        long bytes = records.stream().mapToLong(r -> r.length).sum();
        double[] canyon = new double[o.bandwidthRepeats()];
        double[] bare = new double[o.bandwidthRepeats()];
        double[] ratio = new double[o.bandwidthRepeats()];
        TelemetryConfig config = TelemetryConfig.builder().bootstrapServers(bootstrap).run("bench", "bench-bandwidth")
                .vectors(VectorRepresentation.FULL).stepBudget(Duration.ofSeconds(5)).inFlightBytes(256L << 20)
                .journalDir(o.workDir().resolve("journal")).journalMaxBytes(8L << 30).closeTimeout(Duration.ofSeconds(300)).build();
        Properties props = config.producerProperties();
        progress.printf("bandwidth: %d records of %,d bytes, %d alternating repeats%n", records.size(), records.get(0).length,
                o.bandwidthRepeats());
        for (int rep = 0; rep < o.bandwidthRepeats(); rep++) {
            // Alternate which goes first, so neither always meets a warmer broker.
            if (rep % 2 == 0) {
                bare[rep] = bareProducer(props, records, bytes);
                canyon[rep] = canyonPublisher(config, records, bytes);
            } else {
                canyon[rep] = canyonPublisher(config, records, bytes);
                bare[rep] = bareProducer(props, records, bytes);
            }
            ratio[rep] = canyon[rep] / bare[rep];
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("record_bytes", records.get(0).length);
        m.put("canyon_mb_per_s", round(median(canyon), 1));
        m.put("bare_producer_mb_per_s", round(median(bare), 1));
        m.put("ratio", quartiles(ratio));
        return m;
    }

    private static double bareProducer(Properties props, List<byte[]> records, long bytes) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            producer.partitionsFor(BENCH_TOPIC);
            long start = System.nanoTime();
            for (byte[] r : records) {
                producer.send(new ProducerRecord<>(BENCH_TOPIC, "bench", r));
            }
            producer.flush();
            return bytes / 1e6 / ((System.nanoTime() - start) / 1e9);
        }
    }

    private static double canyonPublisher(TelemetryConfig config, List<byte[]> records, long bytes) {
        KafkaTelemetrySink publisher = new KafkaTelemetrySink(config);
        try {
            publisher.send(BENCH_TOPIC, "bench", new byte[1]);
            publisher.flush(Duration.ofSeconds(60));
            long start = System.nanoTime();
            for (byte[] r : records) {
                publisher.send(BENCH_TOPIC, "bench", r);
            }
            publisher.flush(Duration.ofSeconds(300));
            return bytes / 1e6 / ((System.nanoTime() - start) / 1e9);
        } finally {
            publisher.close();
        }
    }

    static Map<String, Object> quartiles(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("median", round(percentile(s, 0.5), 4));
        m.put("p25", round(percentile(s, 0.25), 4));
        m.put("p75", round(percentile(s, 0.75), 4));
        return m;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return percentile(s, 0.5);
    }

    private static double percentile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = (int) Math.ceil(pos);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    /** Seeded shuffled minibatches, each configuration its own stream (same seed: same batches). */
    static final class Batches {
        private final FashionMnist.Split data;
        private final int batch;
        private final int[] order;
        private final Random random;
        private int cursor;

        Batches(FashionMnist.Split data, int batch, long seed) {
            this.data = data;
            this.batch = batch;
            this.random = new Random(seed);
            this.order = java.util.stream.IntStream.range(0, data.n()).toArray();
        }

        DataSet next() {
            if (cursor + batch > order.length) {
                cursor = 0;
                for (int i = order.length - 1; i > 0; i--) {
                    int j = random.nextInt(i + 1);
                    int t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                }
            }
            float[] x = new float[batch * FashionMnist.PIXELS];
            float[] y = new float[batch * FashionMnist.CLASSES];
            for (int b = 0; b < batch; b++) {
                int i = order[cursor++];
                data.image(i, x, b * FashionMnist.PIXELS);
                y[b * FashionMnist.CLASSES + data.labels()[i]] = 1;
            }
            return new DataSet(org.nd4j.linalg.factory.Nd4j.create(x, new long[] {batch, FashionMnist.PIXELS}, 'c'),
                    org.nd4j.linalg.factory.Nd4j.create(y, new long[] {batch, FashionMnist.CLASSES}, 'c'));
        }
    }
}
