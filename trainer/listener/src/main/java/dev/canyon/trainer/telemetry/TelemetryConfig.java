package dev.canyon.trainer.telemetry;

import dev.canyon.contract.Topics;
import dev.canyon.contract.VectorRepresentation;
import dev.canyon.kernels.sketch.CountSketch;
import dev.canyon.trainer.probe.ProbePlan;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.UUID;

/**
 * Configuration of the telemetry listener, typed, defaulted and validated in one place. Build with
 * {@link #of} and the {@code with...} methods.
 *
 * <table>
 * <caption>Settings</caption>
 * <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 * <tr><td>bootstrapServers</td><td>(required)</td><td>Kafka {@code host:port[,host:port]}</td></tr>
 * <tr><td>kafkaProperties</td><td>none</td><td>any further producer property (security settings, ...); overrides Canyon's defaults</td></tr>
 * <tr><td>experimentId</td><td>{@code default}</td><td>experiment the run belongs to</td></tr>
 * <tr><td>runId</td><td>generated</td><td>run id</td></tr>
 * <tr><td>vectors</td><td>{@code sketch:1024}</td><td>how gradient and delta vectors are shipped</td></tr>
 * <tr><td>sketchSeed</td><td>from the experiment id</td><td>CountSketch seed, shared by an experiment's runs</td></tr>
 * <tr><td>probes</td><td>{@link ProbePlan#OFF}</td><td>which probes run when</td></tr>
 * <tr><td>stepBudget</td><td>200 ms</td><td>longest a training step may wait for telemetry (producer {@code max.block.ms})</td></tr>
 * <tr><td>inFlightBytes</td><td>64 MiB</td><td>records accepted by the producer but not yet acknowledged; more are journaled</td></tr>
 * <tr><td>journalDir</td><td>{@code $TMPDIR/canyon-journal}</td><td>where records wait while Kafka is away</td></tr>
 * <tr><td>journalMaxBytes</td><td>2 GiB</td><td>journal bound; past it records are dropped and counted</td></tr>
 * <tr><td>closeTimeout</td><td>60 s</td><td>how long {@code close()} waits for pending records</td></tr>
 * <tr><td>clock</td><td>system UTC</td><td>source of event times</td></tr>
 * <tr><td>background</td><td>true above 2 cores</td><td>process steps on a telemetry thread instead of the training thread</td></tr>
 * </table>
 */
public final class TelemetryConfig {
    private final String bootstrapServers;
    private final Map<String, String> kafkaProperties;
    private final String experimentId;
    private final String runId;
    private final VectorRepresentation vectors;
    private final long sketchSeed;
    private final ProbePlan probes;
    private final Duration stepBudget;
    private final long inFlightBytes;
    private final Path journalDir;
    private final long journalMaxBytes;
    private final Duration closeTimeout;
    private final Clock clock;
    private final boolean background;

    private TelemetryConfig(String bootstrapServers, Map<String, String> kafkaProperties, String experimentId, String runId,
            VectorRepresentation vectors, long sketchSeed, ProbePlan probes, Duration stepBudget, long inFlightBytes,
            Path journalDir, long journalMaxBytes, Duration closeTimeout, Clock clock, boolean background) {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        if (bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("bootstrapServers must name at least one host:port");
        }
        if (experimentId == null || experimentId.isBlank()) {
            throw new IllegalArgumentException("experimentId must not be blank");
        }
        dev.canyon.contract.Ids.require("experimentId", experimentId, false);
        if (runId != null && !runId.isBlank()) {
            dev.canyon.contract.Ids.require("runId", runId, false);
        }
        if (stepBudget.isNegative() || stepBudget.isZero()) {
            throw new IllegalArgumentException("stepBudget must be positive, got " + stepBudget);
        }
        if (inFlightBytes < 1) {
            throw new IllegalArgumentException("inFlightBytes must be >= 1, got " + inFlightBytes);
        }
        if (journalMaxBytes < 0) {
            throw new IllegalArgumentException("journalMaxBytes must be >= 0, got " + journalMaxBytes);
        }
        this.bootstrapServers = bootstrapServers;
        this.kafkaProperties = Map.copyOf(kafkaProperties);
        this.experimentId = experimentId;
        this.runId = runId == null || runId.isBlank() ? newRunId() : runId;
        this.vectors = Objects.requireNonNull(vectors, "vectors");
        this.sketchSeed = sketchSeed;
        this.probes = Objects.requireNonNull(probes, "probes");
        this.stepBudget = stepBudget;
        this.inFlightBytes = inFlightBytes;
        this.journalDir = Objects.requireNonNull(journalDir, "journalDir");
        this.journalMaxBytes = journalMaxBytes;
        this.closeTimeout = Objects.requireNonNull(closeTimeout, "closeTimeout");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.background = background;
    }

    /** Defaults for {@code bootstrapServers} (see the table above). */
    public static TelemetryConfig of(String bootstrapServers) {
        return new TelemetryConfig(bootstrapServers, Map.of(), "default", null,
                VectorRepresentation.sketch(VectorRepresentation.DEFAULT_SKETCH_SIZE), CountSketch.seedFor("default"),
                ProbePlan.OFF, Duration.ofMillis(200), 64L << 20, Path.of(System.getProperty("java.io.tmpdir"), "canyon-journal"),
                2L << 30, Duration.ofSeconds(60), Clock.systemUTC(), Runtime.getRuntime().availableProcessors() > 2);
    }

    /** Another experiment and run (null run: generated); the sketch seed follows the experiment. */
    public TelemetryConfig withRun(String experiment, String run) {
        String exp = experiment == null || experiment.isBlank() ? "default" : experiment;
        return new TelemetryConfig(bootstrapServers, kafkaProperties, exp, run, vectors, CountSketch.seedFor(exp), probes,
                stepBudget, inFlightBytes, journalDir, journalMaxBytes, closeTimeout, clock, background);
    }

    public TelemetryConfig withVectors(VectorRepresentation v) {
        return new TelemetryConfig(bootstrapServers, kafkaProperties, experimentId, runId, v, sketchSeed, probes, stepBudget,
                inFlightBytes, journalDir, journalMaxBytes, closeTimeout, clock, background);
    }

    public TelemetryConfig withKafkaProperties(Map<String, String> props) {
        return new TelemetryConfig(bootstrapServers, props, experimentId, runId, vectors, sketchSeed, probes, stepBudget,
                inFlightBytes, journalDir, journalMaxBytes, closeTimeout, clock, background);
    }

    public TelemetryConfig withProbes(ProbePlan plan) {
        return new TelemetryConfig(bootstrapServers, kafkaProperties, experimentId, runId, vectors, sketchSeed, plan, stepBudget,
                inFlightBytes, journalDir, journalMaxBytes, closeTimeout, clock, background);
    }

    /** Delivery settings: step budget, in-flight bound, journal folder and bound, close timeout. */
    public TelemetryConfig withDelivery(Duration budget, long inFlight, Path journal, long journalMax, Duration close) {
        return new TelemetryConfig(bootstrapServers, kafkaProperties, experimentId, runId, vectors, sketchSeed, probes, budget,
                inFlight, journal, journalMax, close, clock, background);
    }

    public TelemetryConfig withClock(Clock c) {
        return new TelemetryConfig(bootstrapServers, kafkaProperties, experimentId, runId, vectors, sketchSeed, probes, stepBudget,
                inFlightBytes, journalDir, journalMaxBytes, closeTimeout, c, background);
    }

    /** Whether steps are processed on a telemetry thread (true) or on the training thread (false). */
    public TelemetryConfig withBackground(boolean b) {
        return new TelemetryConfig(bootstrapServers, kafkaProperties, experimentId, runId, vectors, sketchSeed, probes, stepBudget,
                inFlightBytes, journalDir, journalMaxBytes, closeTimeout, clock, b);
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Map<String, String> kafkaProperties() {
        return kafkaProperties;
    }

    public String experimentId() {
        return experimentId;
    }

    public String runId() {
        return runId;
    }

    public VectorRepresentation vectors() {
        return vectors;
    }

    public long sketchSeed() {
        return sketchSeed;
    }

    public ProbePlan probes() {
        return probes;
    }

    public Duration stepBudget() {
        return stepBudget;
    }

    public long inFlightBytes() {
        return inFlightBytes;
    }

    public Path journalDir() {
        return journalDir;
    }

    public long journalMaxBytes() {
        return journalMaxBytes;
    }

    public Duration closeTimeout() {
        return closeTimeout;
    }

    public Clock clock() {
        return clock;
    }

    public boolean background() {
        return background;
    }

    /**
     * Producer properties: idempotent, {@code acks=all}, retrying without a deadline (the publisher
     * bounds memory and journals instead), blocking at most the step budget; then {@link
     * #kafkaProperties()}.
     */
    public Properties producerProperties() {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrapServers);
        p.put("acks", "all");
        p.put("enable.idempotence", "true");
        p.put("max.in.flight.requests.per.connection", "5");
        p.put("linger.ms", "5");
        p.put("compression.type", "none");
        p.put("max.request.size", Integer.toString(Topics.MAX_RECORD_BYTES));
        p.put("buffer.memory", Long.toString(inFlightBytes + 2L * Topics.MAX_RECORD_BYTES));
        p.put("max.block.ms", Long.toString(stepBudget.toMillis()));
        p.put("delivery.timeout.ms", Integer.toString(Integer.MAX_VALUE));
        p.put("reconnect.backoff.max.ms", "1000");
        p.put("client.id", "canyon-trainer-" + runId);
        p.putAll(kafkaProperties);
        return p;
    }

    /** A new run id: time-ordered prefix plus randomness, safe in topic keys and tags. */
    public static String newRunId() {
        return "run-" + Long.toString(System.currentTimeMillis(), 36) + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Override
    public String toString() {
        return "TelemetryConfig[bootstrap=" + bootstrapServers + ", experiment=" + experimentId + ", run=" + runId
                + ", vectors=" + vectors + ", stepBudget=" + stepBudget + "]";
    }
}
