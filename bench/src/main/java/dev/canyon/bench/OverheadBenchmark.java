package dev.canyon.bench;

import dev.canyon.contract.Topics;
import dev.canyon.contract.VectorRepresentation;
import dev.canyon.contract.kafka.TopicSetup;
import dev.canyon.stack.EmbeddedKafka;
import dev.canyon.trainer.MlpTrainer;
import dev.canyon.trainer.data.FashionMnist;
import dev.canyon.trainer.telemetry.InMemoryTelemetrySink;
import dev.canyon.trainer.telemetry.KafkaTelemetrySink;
import dev.canyon.trainer.telemetry.RunDescription;
import dev.canyon.trainer.telemetry.StepScalarsCalculator;
import dev.canyon.trainer.telemetry.TelemetryConfig;
import dev.canyon.trainer.telemetry.TelemetryListener;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
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
import org.deeplearning4j.ui.model.stats.StatsListener;
import org.deeplearning4j.ui.model.storage.InMemoryStatsStorage;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Trainer overhead, measured side by side in one run: the same MLP trained with no telemetry
 * ({@code none}), with Canyon in sketch mode ({@code sketch}), with Canyon shipping full vectors
 * ({@code full}), with DL4J's own StatsListener over in-memory storage ({@code stats_listener}), and
 * Canyon's sketch mode keeping its records in memory instead of sending them to the in-process
 * broker ({@code sketch_no_broker}: the listener's own cost, without the broker that shares this
 * machine's cores, as a training server with a remote broker sees it), Canyon's sketch mode with
 * per-layer histograms and a JVM sample at every step ({@code sketch_histograms}: the price of a
 * histogram step, which the default schedule pays every 100 steps);
 * and, timed in the same rounds, one read of the six vectors the exact scalars need ({@code
 * memory_floor}, {@link MemoryFloor}). Each configuration trains its own copy of the network (same
 * initialization, same batches); rounds of one step each are interleaved in a shuffled order, and
 * each round's step time is divided by the same round's no-telemetry step time. A Canyon round ends
 * when its step has been processed (scalars, sketches, record handed to the producer); the broker's
 * acknowledgements are awaited untimed afterwards, so that one configuration's broker traffic does
 * not land in another's round. Reported: the median of the paired ratios with its quartiles,
 * because this machine's step time drifts by 2x between rounds.
 *
 * <p>A second phase, on machines with more than one core, repeats none, sketch and full (rounds of
 * {@value #FREE_CORE_STEPS} steps) with the
 * trainer's BLAS threads set to one fewer than the cores and Canyon's processing on its telemetry
 * thread: what a training server with a core to spare sees ({@code free_core_ratio_vs_none}).
 *
 * <p>Telemetry CPU per step, per Canyon configuration: the listener's time on the training thread
 * (copies, fused pass, encoding, hand-off to the producer), on its telemetry thread when in the
 * background, and the CPU time of the Kafka producer's I/O thread.
 *
 * <p>Separately, full-vector publishing bandwidth: the same records sent through Canyon's publisher
 * and through a bare KafkaProducer with the same settings to the same broker, alternating, reported
 * as the median ratio of throughputs.
 */
final class OverheadBenchmark {

    /** What to measure. */
    record Options(int hidden, int rounds, int freeCoreRounds, int batchSize, int bandwidthRecords, int bandwidthRepeats,
            Path dataDir, Path workDir, long seed, List<String> configs) {}

    /** The configurations, "none" always first (the reference). */
    static final List<String> CONFIGS = List.of("none", "sketch", "full", "stats_listener", "sketch_no_broker", "sketch_histograms");

    private static final String BENCH_TOPIC = "canyon.bench";
    private static final String FLOOR = "memory_floor";

    /**
     * Steps per round in the free-core phase: the telemetry thread works on step t while the trainer
     * computes step t+1, so a round must span several steps for that overlap to show; the round still
     * ends when its last step is processed.
     */
    static final int FREE_CORE_STEPS = 10;

    /** Unmeasured steps per configuration before each phase. */
    static final int WARM_UP_STEPS = 30;

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
            int cores = Runtime.getRuntime().availableProcessors();
            int blasThreads = Nd4j.factory().blas().getMaxThreads();
            long parameters = MlpTrainer.network(o.hidden(), 0.05, o.seed()).numParams();
            out.put("model", "mlp-784-" + o.hidden() + "-10");
            out.put("parameters", parameters);
            out.put("batch_size", o.batchSize());
            out.put("rounds", o.rounds());
            out.put("blas_threads", blasThreads);
            out.put("kernel", StepScalarsCalculator.kernelName());
            progress.printf("overhead: MLP 784-%d-10 (%,d parameters), batch %d, %d interleaved rounds of %s; fused pass: %s%n",
                    o.hidden(), parameters, o.batchSize(), o.rounds(), configs, StepScalarsCalculator.kernelName());

            Phase main = phase(o, kafka.bootstrapServers(), data, configs, o.rounds(), 1, false, "main", progress);
            out.put("median_step_ms", main.medianStepMs());
            out.put("step_time_ratio_vs_none", main.ratios());
            out.put("memory_floor_ms_per_step", round(median(main.stepMs.get(FLOOR)), 4));
            out.put("telemetry_cpu_ms_per_step", main.telemetryCpu());
            out.put("telemetry_cpu_breakdown_ms_per_step", main.telemetryBreakdown());

            List<String> freeConfigs = configs.stream().filter(c -> List.of("none", "sketch", "full", "sketch_no_broker").contains(c))
                    .toList();
            if (o.freeCoreRounds() > 0 && cores > 1 && freeConfigs.size() > 1) {
                int threads = cores - 1;
                progress.printf("overhead: free core: BLAS threads %d of %d cores, Canyon on its telemetry thread, %d rounds%n",
                        threads, cores, o.freeCoreRounds());
                setBlasThreads(threads);
                try {
                    Phase free = phase(o, kafka.bootstrapServers(), data, freeConfigs, o.freeCoreRounds(), FREE_CORE_STEPS, true,
                            "free-core", progress);
                    out.put("free_core_steps_per_round", FREE_CORE_STEPS);
                    out.put("free_core_blas_threads", threads);
                    out.put("free_core_median_step_ms", free.medianStepMs());
                    out.put("free_core_ratio_vs_none", free.ratios());
                    out.put("free_core_telemetry_cpu_ms_per_step", free.telemetryCpu());
                } finally {
                    setBlasThreads(blasThreads);
                }
            }
            if (o.bandwidthRepeats() > 0) {
                out.put("full_publish_bandwidth", bandwidth(kafka.bootstrapServers(), (int) parameters, o, progress));
            }
        }
        return out;
    }

    /** The BLAS and ND4J op threads the trainer may use. */
    private static void setBlasThreads(int n) {
        Nd4j.factory().blas().setMaxThreads(n);
        Nd4j.getEnvironment().setMaxThreads(n);
    }

    /** Per-round timings of one interleaved phase. */
    private record Phase(List<String> configs, Map<String, double[]> stepMs, Map<String, double[]> trainingThreadMs,
            Map<String, double[]> telemetryThreadMs, Map<String, double[]> producerCpuMs) {

        Map<String, Object> medianStepMs() {
            Map<String, Object> m = new LinkedHashMap<>();
            stepMs.forEach((c, v) -> m.put(c, round(median(v), 3)));
            return m;
        }

        Map<String, Object> ratios() {
            Map<String, Object> m = new LinkedHashMap<>();
            for (String c : configs.subList(1, configs.size())) {
                double[] paired = new double[stepMs.get(c).length];
                for (int r = 0; r < paired.length; r++) {
                    paired[r] = stepMs.get(c)[r] / stepMs.get("none")[r];
                }
                m.put(c, quartiles(paired));
            }
            return m;
        }

        Map<String, Object> telemetryCpu() {
            Map<String, Object> m = new LinkedHashMap<>();
            for (String c : trainingThreadMs.keySet()) {
                m.put(c, round(median(trainingThreadMs.get(c)) + median(telemetryThreadMs.get(c)) + mean(producerCpuMs.get(c)), 4));
            }
            return m;
        }

        Map<String, Object> telemetryBreakdown() {
            Map<String, Object> m = new LinkedHashMap<>();
            for (String c : trainingThreadMs.keySet()) {
                Map<String, Object> b = new LinkedHashMap<>();
                b.put("training_thread", round(median(trainingThreadMs.get(c)), 4));
                b.put("telemetry_thread", round(median(telemetryThreadMs.get(c)), 4));
                b.put("producer_io_thread", round(mean(producerCpuMs.get(c)), 4));
                m.put(c, b);
            }
            return m;
        }
    }

    private static Phase phase(Options o, String bootstrap, FashionMnist.Split data, List<String> configs, int rounds,
            int stepsPerRound, boolean background, String label, PrintStream progress) {
        Map<String, MultiLayerNetwork> nets = new LinkedHashMap<>();
        Map<String, Batches> batches = new LinkedHashMap<>();
        Map<String, TelemetryListener> canyon = new LinkedHashMap<>();
        for (String c : configs) {
            MultiLayerNetwork net = MlpTrainer.network(o.hidden(), 0.05, o.seed());
            nets.put(c, net);
            batches.put(c, new Batches(data, o.batchSize(), o.seed()));
            TelemetryConfig.Builder base = TelemetryConfig.builder().bootstrapServers(bootstrap)
                    .run("bench", "bench-" + label + "-" + c + "-" + System.currentTimeMillis())
                    .stepBudget(Duration.ofMillis(200)).inFlightBytes(64L << 20).journalDir(o.workDir().resolve("journal"))
                    .journalMaxBytes(8L << 30).closeTimeout(Duration.ofSeconds(300)).background(background);
            switch (c) {
                case "sketch" -> canyon.put(c, TelemetryListener.attach(net, base.vectors(VectorRepresentation.sketch(
                        VectorRepresentation.DEFAULT_SKETCH_SIZE)).build(), RunDescription.unknown()));
                case "full" -> canyon.put(c, TelemetryListener.attach(net, base.vectors(VectorRepresentation.FULL).build(),
                        RunDescription.unknown()));
                case "stats_listener" -> net.addListeners(new StatsListener(new InMemoryStatsStorage()));
                case "sketch_no_broker" -> canyon.put(c, TelemetryListener.builder(base.vectors(VectorRepresentation.sketch(
                        VectorRepresentation.DEFAULT_SKETCH_SIZE)).build()).sink(new InMemoryTelemetrySink()).attach(net));
                // Sketch mode with the DL4J-UI diagnostics at every step (histograms of θ, g and Δθ per layer and a JVM
                // sample): the cost of one histogram step; the default schedule (every 100 and 50 steps) pays it that rarely.
                case "sketch_histograms" -> canyon.put(c, TelemetryListener.attach(net, base.vectors(VectorRepresentation.sketch(
                        VectorRepresentation.DEFAULT_SKETCH_SIZE)).histogramEvery(1).jvmEvery(1).build(), RunDescription.unknown()));
                default -> { }
            }
        }
        MemoryFloor floor = new MemoryFloor((int) nets.get("none").numParams());
        // Warm-up, not measured: native allocations, and the JIT (the Vector API's code is very slow until
        // C2 has compiled it, so both the fused pass and the floor read get enough calls to be compiled).
        for (String c : configs) {
            for (int i = 0; i < WARM_UP_STEPS; i++) {
                nets.get(c).fit(batches.get(c).next());
            }
        }
        for (int i = 0; i < 200; i++) {
            floor.read();
        }
        for (TelemetryListener l : canyon.values()) {
            l.flush(Duration.ofSeconds(120));
        }
        List<String> timed = new ArrayList<>(configs);
        timed.add(FLOOR);
        Map<String, double[]> stepMs = new LinkedHashMap<>();
        timed.forEach(c -> stepMs.put(c, new double[rounds]));
        Map<String, double[]> trainingMs = new LinkedHashMap<>();
        Map<String, double[]> telemetryMs = new LinkedHashMap<>();
        Map<String, double[]> producerMs = new LinkedHashMap<>();
        for (String c : canyon.keySet()) {
            trainingMs.put(c, new double[rounds]);
            telemetryMs.put(c, new double[rounds]);
            producerMs.put(c, new double[rounds]);
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Map<String, Long> producerThread = new LinkedHashMap<>();
        canyon.forEach((c, l) -> producerThread.put(c, producerIoThread(l.runId())));
        Random random = new Random(o.seed());
        double sink = 0;
        int tick = Math.max(1, rounds / 10);
        for (int r = 0; r < rounds; r++) {
            List<String> order = new ArrayList<>(timed);
            Collections.shuffle(order, random);
            for (String c : order) {
                if (c.equals(FLOOR)) {
                    long start = System.nanoTime();
                    sink += floor.read();
                    stepMs.get(c)[r] = (System.nanoTime() - start) / 1e6;
                    continue;
                }
                TelemetryListener l = canyon.get(c);
                double training0 = l == null ? 0 : l.trainingThreadMillis();
                double telemetry0 = l == null ? 0 : l.telemetryThreadMillis();
                long io0 = l == null ? 0 : cpuNanos(threads, producerThread.get(c));
                long start = System.nanoTime();
                for (int i = 0; i < stepsPerRound; i++) {
                    nets.get(c).fit(batches.get(c).next());
                }
                if (l != null) {
                    // Timed: the round ends when its steps are processed (scalars, sketches, records
                    // handed to the producer), so background processing is charged to this configuration.
                    l.awaitProcessing();
                }
                stepMs.get(c)[r] = (System.nanoTime() - start) / 1e6 / stepsPerRound;
                if (l != null) {
                    // Untimed: acknowledgements are latency, not training time.
                    l.flush(Duration.ofSeconds(120));
                    trainingMs.get(c)[r] = (l.trainingThreadMillis() - training0) / stepsPerRound;
                    telemetryMs.get(c)[r] = background ? (l.telemetryThreadMillis() - telemetry0) / stepsPerRound : 0;
                    producerMs.get(c)[r] = (cpuNanos(threads, producerThread.get(c)) - io0) / 1e6 / stepsPerRound;
                }
            }
            if ((r + 1) % tick == 0 || r + 1 == rounds) {
                progress.printf("overhead: %s %d/%d rounds%n", label, r + 1, rounds);
            }
        }
        for (TelemetryListener l : canyon.values()) {
            l.close();
        }
        if (sink == 42.4242) {
            progress.println();
        }
        return new Phase(configs, stepMs, trainingMs, telemetryMs, producerMs);
    }

    /** The id of the Kafka producer's I/O thread of run {@code runId} (client id canyon-trainer-<run>), or -1. */
    private static long producerIoThread(String runId) {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("kafka-producer-network-thread") && t.getName().endsWith(runId)) {
                return t.getId();
            }
        }
        return -1;
    }

    private static long cpuNanos(ThreadMXBean threads, long id) {
        return id < 0 ? 0 : Math.max(0, threads.getThreadCpuTime(id));
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

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return percentile(s, 0.5);
    }

    private static double mean(double[] v) {
        return Arrays.stream(v).average().orElse(0);
    }

    private static double percentile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = (int) Math.ceil(pos);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    static double round(double v, int digits) {
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
            return new DataSet(Nd4j.create(x, new long[] {batch, FashionMnist.PIXELS}, 'c'),
                    Nd4j.create(y, new long[] {batch, FashionMnist.CLASSES}, 'c'));
        }
    }
}
