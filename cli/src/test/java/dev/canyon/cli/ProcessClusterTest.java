package dev.canyon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.canyon.contract.Measurements;
import dev.canyon.contract.Topics;
import dev.canyon.contract.WireRecords;
import dev.canyon.contract.proto.HessianProbe;
import dev.canyon.contract.proto.Probe;
import dev.canyon.job.Checkpoints;
import dev.canyon.job.StepAnalyticsJob;
import dev.canyon.job.StepAnalyticsMain;
import dev.canyon.stack.InfluxdProcess;
import dev.canyon.storage.InfluxConfig;
import dev.canyon.storage.InfluxStore;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job on a cluster of processes survives the faults of production and still writes exactly the
 * analytics of an undisturbed replay: three KRaft Kafka brokers, a Flink JobManager in application
 * mode with two TaskManagers, and influxd, each a process of its own on loopback ports. While an
 * experiment of three runs streams through the job at parallelism 2, one broker is killed (SIGKILL;
 * topics created by TopicSetup, replicated 3 with {@code min.insync.replicas} 2), then one TaskManager (a new one takes its
 * place), then the JobManager, which is started again with the same command: the job's main method
 * then restores the newest retained checkpoint ({@link Checkpoints#restoreLatest}), so every run
 * continues with its state. Afterwards every step of every run is stored, and every field of every
 * point equals that of a MiniCluster replay of the same topics into another database.
 */
@Tag("real")
class ProcessClusterTest {
    private static final String EXPERIMENT = "cluster";
    private static final List<String> RUNS = List.of("cluster-a", "cluster-b", "cluster-c");
    private static final int STEPS = 300;
    /** Between rounds of steps (one step per run): about 12 steps a second per run. */
    private static final long PACE_MS = 80;
    private static final String REFERENCE_DB = "replay";

    @TempDir
    Path dir;

    private final Map<String, Long> phases = new LinkedHashMap<>();
    private long phaseStart = System.nanoTime();
    private final List<ChildJvm> children = new ArrayList<>();
    private InfluxdProcess influxd;

    @AfterEach
    void killEverything() {
        ChildJvm.killAll();
        ChildJvm.forgetAll();
        if (influxd != null) {
            influxd.close();
        }
    }

    @Test
    void theJobSurvivesABrokerATaskManagerAndTheJobManagerKilledAndWritesExactlyTheReplaysPoints() throws Throwable {
        long testStart = System.nanoTime();
        Path repo = PipelineIntegrationTest.repoRoot();
        Path jobJar = jobJar(repo);
        String opens = "@" + repo.resolve("jvm-opens.args");
        Path logback = Files.writeString(dir.resolve("logback-children.xml"), FlinkProcessCluster.logback());
        try {
            // ---- start: influxd, 3 brokers, topics, JobManager (application mode) and 2 TaskManagers
            influxd = InfluxdProcess.start(dir.resolve("influx"));
            KafkaProcessCluster kafka = new KafkaProcessCluster(dir, 3, System.getProperty("java.class.path"),
                    List.of("-Xmx384m", "-Xms64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dlogback.configurationFile=" + logback));
            children.addAll(kafka.nodes());
            kafka.start();
            Map<String, String> jobEnv = new LinkedHashMap<>();
            jobEnv.put("CANYON_KAFKA", kafka.bootstrapServers());
            jobEnv.put("CANYON_INFLUX_URL", influxd.url());
            jobEnv.put("CANYON_GROUP_ID", "canyon-cluster-test");
            jobEnv.put("CANYON_PARALLELISM", "2");
            jobEnv.put("CANYON_CHECKPOINT_INTERVAL_S", "1");
            // Silence alerts depend on arrival times (not replayed); the JobManager's outage must not raise one.
            jobEnv.put("CANYON_SILENCE_S", "3600");
            FlinkProcessCluster flink = new FlinkProcessCluster(dir, jobJar, StepAnalyticsMain.class.getName(), jobEnv, Map.of(),
                    List.of("-XX:+UseSerialGC", opens));
            kafka.awaitUp(120_000);
            kafka.createCanyonTopics();
            phase("kafka up, topics created");
            flink.jobManager().start();
            children.add(flink.jobManager());
            children.add(flink.startTaskManager());
            children.add(flink.startTaskManager());
            String firstJob = await(() -> flink.jobRunningOnLiveTaskManagers(), "the job RUNNING on 2 TaskManagers", 150);
            phase("flink up, job running");

            // ---- training: 3 runs, paced, gated by the main thread between faults
            AtomicLong allowed = new AtomicLong(60);
            AtomicLong sent = new AtomicLong();
            AtomicReference<Throwable> producerError = new AtomicReference<>();
            SyntheticRuns synthetic = new SyntheticRuns(EXPERIMENT, SyntheticRuns.Layout.mlp(784, 64, 10), 64, 7L);
            long t0 = System.currentTimeMillis();
            Thread producer = new Thread(() -> {
                try (KafkaProducer<String, byte[]> p = producer(kafka.bootstrapServers())) {
                    for (String run : RUNS) {
                        p.send(new ProducerRecord<>(Topics.RUNS, run, synthetic.runStarted(run, t0))).get();
                    }
                    for (long t = 1; t <= STEPS; t++) {
                        while (t > allowed.get()) {
                            Thread.sleep(20);
                        }
                        for (String run : RUNS) {
                            long time = t0 + 10 * t;
                            if (t % 50 == 0) {
                                Random r = new Random(run.hashCode() * 1000L + t);
                                p.send(new ProducerRecord<>(Topics.STEPS, run, WireRecords.encode(Probe.newBuilder().setRunId(run)
                                        .setExperimentId(EXPERIMENT).setStep(t).setEventTimeMs(time).setHessian(HessianProbe.newBuilder()
                                                .setMaxEigenvalue(10 + r.nextDouble()).setMinEigenvalue(-r.nextDouble()).setTrace(30))
                                        .build())), callback(producerError));
                            }
                            p.send(new ProducerRecord<>(Topics.STEPS, run, synthetic.step(run, t, time, synthetic.loss(t))),
                                    callback(producerError));
                        }
                        sent.set(t);
                        Thread.sleep(PACE_MS);
                    }
                    p.flush();
                    for (String run : RUNS) {
                        p.send(new ProducerRecord<>(Topics.RUNS, run, synthetic.runEnded(run, t0 + 10L * STEPS + 1, STEPS, 0.1))).get();
                    }
                } catch (Throwable e) {
                    producerError.compareAndSet(null, e);
                }
            }, "synthetic-training");
            producer.setDaemon(true);
            try (InfluxStore store = InfluxStore.connect(InfluxConfig.of(influxd.url()))) {
                Supplier<Long> stored = () -> RUNS.stream().mapToLong(r -> store.countPoints(Measurements.TRAINING, r)).min().orElse(0);
                producer.start();

                // ---- fault 1: a broker killed while steps flow
                awaitStored(stored, 30, producerError);
                kafka.nodes().get(0).kill();
                phase("fault 1: " + kafka.nodes().get(0).name() + " killed at step " + stored.get() + " stored, " + sent.get() + " sent");
                awaitStored(stored, 60, producerError);
                allowed.set(140);
                phase("steps to 60 stored with 2 brokers");

                // ---- fault 2: a TaskManager killed, a new one in its place
                awaitStored(stored, 90, producerError);
                ChildJvm victim = flink.taskManagers().get(0);
                victim.kill();
                long killedAt = stored.get();
                children.add(flink.startTaskManager());
                phase("fault 2: " + victim.name() + " killed at step " + killedAt + " stored, " + sent.get() + " sent; tm-3 started");
                await(() -> flink.jobRunningOnLiveTaskManagers(), "the job RUNNING again on 2 TaskManagers", 120);
                awaitStored(stored, 140, producerError);
                allowed.set(220);
                phase("job recovered on the new TaskManager, steps to 140 stored");

                // ---- fault 3: the JobManager killed while steps flow, and started again with the same command
                awaitStored(stored, 160, producerError);
                FileTime after = FileTime.fromMillis(System.currentTimeMillis());
                await(() -> Checkpoints.latest(flink.checkpointDir()).filter(p -> modified(p).compareTo(after) > 0),
                        "a checkpoint after step 160 was stored", 60);
                flink.jobManager().kill();
                Path checkpoint = Checkpoints.latest(flink.checkpointDir()).orElseThrow(); // none completes without a JobManager
                phase("fault 3: JobManager killed at step " + stored.get() + " stored, " + sent.get() + " sent; newest checkpoint "
                        + dir.relativize(checkpoint));
                flink.jobManager().start();
                String secondJob = await(() -> flink.jobRunningOnLiveTaskManagers().filter(j -> !j.equals(firstJob)),
                        "the job RUNNING again after the JobManager's restart", 150);
                JsonNode restored = flink.rest("/jobs/" + secondJob + "/checkpoints").map(c -> c.path("latest").path("restored"))
                        .orElseThrow();
                assertThat(restored.path("external_path").asText()).as("checkpoint the restarted job restored (REST: %s)", restored)
                        .isNotEmpty();
                Path restoredPath = Path.of(URI.create(restored.path("external_path").asText().replaceFirst("^file:/+", "file:///")));
                assertThat(Files.exists(restoredPath.resolve("_metadata"))).as("restored %s", restoredPath).isTrue();
                assertThat(restoredPath).as("restored checkpoint").isEqualTo(checkpoint);
                assertThat(Files.readString(flink.jobManager().log(), StandardCharsets.ISO_8859_1))
                        .as("the job's main method chose the checkpoint (Checkpoints.restoreLatest)")
                        .contains("Continuing from the newest completed checkpoint " + checkpoint);
                phase("job " + secondJob + " running again, restored " + dir.relativize(restoredPath));
                allowed.set(STEPS);

                // ---- the rest of the training, every step stored
                producer.join(120_000);
                assertThat(producerError.get()).as("producer error").isNull();
                assertThat(producer.isAlive()).as("producer still running").isFalse();
                awaitStored(stored, STEPS, producerError);
                long points = awaitStablePoints(influxd.url());
                phase("all " + STEPS + " steps of " + RUNS.size() + " runs stored (" + points + " points)");
            }

            // ---- the undisturbed reference: a MiniCluster replay of the same topics into another database
            replay(kafka.bootstrapServers(), InfluxConfig.of(influxd.url()).withDatabase(REFERENCE_DB), StepAnalyticsMain.analytics(jobEnv));
            phase("replay into " + REFERENCE_DB);

            Map<String, Map<String, String>> live = points(influxd.url(), InfluxConfig.DEFAULT_DATABASE);
            Map<String, Map<String, String>> reference = points(influxd.url(), REFERENCE_DB);
            Set<String> keys = new TreeSet<>(live.keySet());
            keys.addAll(reference.keySet());
            long fields = 0;
            List<String> differing = new ArrayList<>();
            for (String key : keys) {
                Map<String, String> a = live.getOrDefault(key, Map.of());
                Map<String, String> b = reference.getOrDefault(key, Map.of());
                Set<String> names = new TreeSet<>(a.keySet());
                names.addAll(b.keySet());
                for (String f : names) {
                    fields++;
                    if (!java.util.Objects.equals(a.get(f), b.get(f))) {
                        differing.add(key + " " + f + ": live " + a.get(f) + ", replay " + b.get(f));
                    }
                }
            }
            phase("compared");
            long steps = STEPS * (long) RUNS.size();
            System.out.printf("ProcessClusterTest: %d steps, %d points live, %d points replayed, %d fields compared, %d differing, %.1f s%n",
                    steps, live.size(), reference.size(), fields, differing.size(), (System.nanoTime() - testStart) / 1e9);
            phases.forEach((p, ms) -> System.out.printf("  %6.1f s  %s%n", ms / 1e3, p));
            differing.stream().limit(30).forEach(d -> System.out.println("  differs: " + d));
            assertThat(reference.size()).as("points of the replay").isGreaterThan(RUNS.size() * 2 * STEPS);
            for (String m : List.of(Measurements.TRAINING, Measurements.DISTANCE, Measurements.PCA, Measurements.INDICATORS,
                    Measurements.CROSS_RUN)) {
                assertThat(reference.keySet()).as("replayed points of %s", m).anyMatch(k -> k.startsWith(m + " "));
            }
            assertThat(differing).as("fields differing between the live points and the replay's (of %d)", fields).isEmpty();
            assertThat(live.keySet()).as("points").isEqualTo(reference.keySet());
        } catch (Throwable e) {
            System.out.println("ProcessClusterTest failed; phases so far:");
            phases.forEach((p, ms) -> System.out.printf("  %6.1f s  %s%n", ms / 1e3, p));
            for (ChildJvm c : children) {
                System.out.println("==== " + c.name() + " (" + c.log() + "), last lines:\n" + c.tail(40));
            }
            if (influxd != null) {
                System.out.println("==== influxd, last lines:\n" + tail(influxd.dataDir().resolve("influxd.log"), 20));
            }
            throw e;
        } finally {
            ChildJvm.killAll();
        }
    }

    /**
     * The job's analytics over the recorded topics as {@code canyon replay} computes them: a bounded
     * MiniCluster job at parallelism 2 ({@code StepAnalyticsJob.buildReplay}, which reads the run topic
     * to its end before the step topic, so no run's steps overtake its run-started record).
     */
    private static void replay(String bootstrap, InfluxConfig influx, dev.canyon.analytics.AnalyticsSettings settings) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        StepAnalyticsJob.buildReplay(env, bootstrap, java.util.Map.of(), influx, -1, null, null, 2, settings);
        env.execute("cluster-reference");
    }

    private void phase(String what) {
        long now = System.nanoTime();
        phases.put(what, (now - phaseStart) / 1_000_000);
        phaseStart = now;
        System.out.printf("[%tT] %s%n", System.currentTimeMillis(), what);
    }

    /** The built job jar, which must be newer than the job's classes (the reactor's package phase makes it). */
    private static Path jobJar(Path repo) throws Exception {
        Path target = repo.resolve("stream-analytics/job/target");
        Optional<Path> jar;
        try (Stream<Path> files = Files.isDirectory(target) ? Files.list(target) : Stream.empty()) {
            jar = files.filter(p -> p.getFileName().toString().matches("canyon-stream-job-.*-job\\.jar")).findFirst();
        }
        assertThat(jar).as("the job jar stream-analytics/job/target/canyon-stream-job-*-job.jar: build it with the reactor's package "
                + "phase, e.g. ./mvnw -B -o package -pl cli -am -Dtest=ProcessClusterTest -Dsurefire.failIfNoSpecifiedTests=false")
                .isPresent();
        Path main = target.resolve("classes/dev/canyon/job/StepAnalyticsMain.class");
        if (Files.exists(main)) {
            assertThat(Files.getLastModifiedTime(jar.get())).as("job jar %s is older than the job's classes: package it again", jar.get())
                    .isGreaterThanOrEqualTo(Files.getLastModifiedTime(main));
        }
        return jar.get();
    }

    private static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("acks", "all");
        p.put("enable.idempotence", "true");
        p.put("linger.ms", "5");
        p.put("max.request.size", Integer.toString(Topics.MAX_RECORD_BYTES));
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    private static org.apache.kafka.clients.producer.Callback callback(AtomicReference<Throwable> error) {
        return (metadata, e) -> {
            if (e != null) {
                error.compareAndSet(null, e);
            }
        };
    }

    private static void awaitStored(Supplier<Long> stored, long steps, AtomicReference<Throwable> producerError) throws Exception {
        await(() -> {
            if (producerError.get() != null) {
                throw new AssertionError("the producer failed", producerError.get());
            }
            return stored.get() >= steps ? Optional.of(true) : Optional.empty();
        }, "step " + steps + " of every run stored", 120);
    }

    private static <T> T await(Supplier<Optional<T>> condition, String what, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (true) {
            Optional<T> v = condition.get();
            if (v.isPresent()) {
                return v.get();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + seconds + " s waiting for " + what);
            }
            Thread.sleep(200);
        }
    }

    /** Waits until the number of points in the live database stays the same for 3 s; returns it. */
    private static long awaitStablePoints(String url) throws Exception {
        long last = -1;
        long since = System.nanoTime();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            long n = points(url, InfluxConfig.DEFAULT_DATABASE).size();
            if (n != last) {
                last = n;
                since = System.nanoTime();
            } else if (System.nanoTime() - since > 3_000_000_000L) {
                return n;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("the live points did not settle within 60 s");
    }

    /**
     * Every point of {@code db} but the live job's own health (ingest lag, dead letters: processing
     * times): {@code measurement tags time} to its fields, each as influxd prints it.
     */
    static Map<String, Map<String, String>> points(String url, String db) throws Exception {
        ObjectMapper json = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        Map<String, Map<String, String>> out = new TreeMap<>();
        JsonNode measurements = query(json, url, db, "SHOW MEASUREMENTS").path("series");
        if (measurements.isEmpty()) {
            return out;
        }
        for (JsonNode m : measurements.get(0).get("values")) {
            String measurement = m.get(0).asText();
            if (measurement.equals(Measurements.PIPELINE) || measurement.equals(Measurements.DEAD_LETTERS)) {
                continue;
            }
            for (JsonNode series : query(json, url, db, "SELECT * FROM \"" + measurement + "\" GROUP BY *").path("series")) {
                String tags = series.path("tags").toString();
                JsonNode columns = series.get("columns");
                for (JsonNode values : series.get("values")) {
                    Map<String, String> fields = new TreeMap<>();
                    String time = null;
                    for (int i = 0; i < columns.size(); i++) {
                        JsonNode v = values.get(i);
                        if (columns.get(i).asText().equals("time")) {
                            time = v.asText();
                        } else if (!v.isNull()) {
                            fields.put(columns.get(i).asText(), v.isTextual() ? '"' + v.asText() + '"' : v.toString());
                        }
                    }
                    out.put(measurement + " " + tags + " " + time, fields);
                }
            }
        }
        return out;
    }

    private static JsonNode query(ObjectMapper json, String url, String db, String q) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + "/query?epoch=ns&db="
                + URLEncoder.encode(db, StandardCharsets.UTF_8) + "&q=" + URLEncoder.encode(q, StandardCharsets.UTF_8))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("influxd answer to %s: %s", q, r.body()).isEqualTo(200);
        JsonNode result = json.readTree(r.body()).get("results").get(0);
        assertThat(result.has("error")).as("error of %s: %s", q, result).isFalse();
        return result;
    }

    private static FileTime modified(Path checkpoint) {
        try {
            return Files.getLastModifiedTime(checkpoint.resolve("_metadata"));
        } catch (java.io.IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    private static String tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (java.io.IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
