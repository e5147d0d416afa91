package dev.canyon.trainer.telemetry;

import dev.canyon.contract.Topics;
import dev.canyon.contract.VectorRepresentation;
import dev.canyon.contract.kafka.KafkaClientProperties;
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
 * {@link #builder()} (or {@link #of} for the defaults and a Kafka cluster); change a copy with
 * {@link #toBuilder()}.
 *
 * <table>
 * <caption>Settings</caption>
 * <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 * <tr><td>bootstrapServers</td><td>none (required by the Kafka sink)</td><td>Kafka {@code host:port[,host:port]}</td></tr>
 * <tr><td>kafkaPropertiesFrom</td><td>{@code $CANYON_KAFKA_CONFIG}, else none</td><td>a Kafka client properties file,
 *     as Kafka's tools take with {@code --command-config}: security settings and their secrets ({@code
 *     security.protocol}, {@code sasl.mechanism}, {@code sasl.jaas.config}, {@code ssl.*}); read at {@link
 *     Builder#build()}, which fails naming the file when it is missing or unreadable; its entries override Canyon's
 *     defaults</td></tr>
 * <tr><td>kafkaProperties</td><td>none</td><td>any further producer property; overrides Canyon's defaults and the
 *     file's entries</td></tr>
 * <tr><td>experimentId</td><td>{@code default}</td><td>experiment the run belongs to</td></tr>
 * <tr><td>runId</td><td>generated</td><td>run id</td></tr>
 * <tr><td>vectors</td><td>{@code sketch:1024}</td><td>how gradient and delta vectors are shipped</td></tr>
 * <tr><td>sketchSeed</td><td>from the experiment id</td><td>CountSketch seed, shared by an experiment's runs (not settable)</td></tr>
 * <tr><td>probes</td><td>{@link ProbePlan#OFF}</td><td>which probes run when</td></tr>
 * <tr><td>stepBudget</td><td>200 ms</td><td>longest a training step may wait for telemetry (producer {@code max.block.ms})</td></tr>
 * <tr><td>inFlightBytes</td><td>64 MiB</td><td>records accepted by the producer but not yet acknowledged; more are journaled</td></tr>
 * <tr><td>startBudget</td><td>10 s</td><td>how long the Kafka sink waits, once, off the training thread, for the
 *     metadata of Canyon's topics before its first record; records wait in memory meanwhile. Also how long records
 *     may wait without an acknowledgement before the sink logs that Kafka is unreachable (once; and once when it
 *     answers again)</td></tr>
 * <tr><td>journalDir</td><td>{@code $CANYON_JOURNAL_DIR}, else {@code $XDG_STATE_HOME/canyon/journal}, else
 *     {@code ~/.local/state/canyon/journal}</td><td>where records Kafka did not take wait, across processes and reboots
 *     (per user: folder 0700, files 0600); leftovers in it are re-sent when a Kafka sink for the same bootstrap servers
 *     starts</td></tr>
 * <tr><td>journalMaxBytes</td><td>2 GiB</td><td>journal bound; past it records are dropped and counted</td></tr>
 * <tr><td>closeTimeout</td><td>10 s</td><td>the close budget: how long {@code close()} waits for pending records before
 *     leaving them in the journal</td></tr>
 * <tr><td>strictDelivery</td><td>false</td><td>{@code close()} throws {@link TelemetryException} when a record was not
 *     delivered (by default it logs one warning and returns; {@link TelemetryListener#deliveryReport()} says what
 *     happened)</td></tr>
 * <tr><td>clock</td><td>system UTC</td><td>source of event times</td></tr>
 * <tr><td>background</td><td>true above 2 cores</td><td>process steps on a telemetry thread instead of the training thread</td></tr>
 * <tr><td>histogramEvery</td><td>100</td><td>per-layer histograms of θ_t, g_t and Δθ_t at steps N, 2N, ... (0: none); a
 *     second pass over the arrays on those steps only</td></tr>
 * <tr><td>histogramBins</td><td>20</td><td>equal-width bins per histogram, between the layer's minimum and maximum (1 to
 *     {@value dev.canyon.contract.StepDiagnostics#MAX_BINS})</td></tr>
 * <tr><td>jvmEvery</td><td>50</td><td>the trainer JVM's heap, off-heap bytes, GC time and steps per second at steps N,
 *     2N, ... (0: never)</td></tr>
 * </table>
 */
public final class TelemetryConfig {
    /** Steps between per-layer histograms unless set. */
    public static final long DEFAULT_HISTOGRAM_EVERY = 100;
    /** Bins per histogram unless set. */
    public static final int DEFAULT_HISTOGRAM_BINS = 20;
    /** Steps between JVM samples unless set. */
    public static final long DEFAULT_JVM_EVERY = 50;
    /** The producer's first wait before reconnecting to a broker it could not reach ({@code reconnect.backoff.ms}) unless set. */
    public static final Duration RECONNECT_BACKOFF = Duration.ofSeconds(1);
    /** The longest such wait, as it doubles ({@code reconnect.backoff.max.ms}) unless set. */
    public static final Duration RECONNECT_BACKOFF_MAX = Duration.ofSeconds(10);

    private final String bootstrapServers;
    private final Map<String, String> kafkaProperties;
    private final Map<String, String> explicitKafkaProperties;
    private final Path kafkaPropertiesFile;
    private final String experimentId;
    private final String runId;
    private final VectorRepresentation vectors;
    private final long sketchSeed;
    private final ProbePlan probes;
    private final Duration stepBudget;
    private final long inFlightBytes;
    private final Duration startBudget;
    private final Path journalDir;
    private final long journalMaxBytes;
    private final Duration closeTimeout;
    private final boolean strictDelivery;
    private final Clock clock;
    private final boolean background;
    private final long histogramEvery;
    private final int histogramBins;
    private final long jvmEvery;

    private TelemetryConfig(Builder b) {
        if (b.bootstrapServers != null && b.bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("bootstrapServers must name at least one host:port");
        }
        String experiment = b.experimentId == null || b.experimentId.isBlank() ? "default" : b.experimentId;
        dev.canyon.contract.Ids.require("experimentId", experiment, false);
        if (b.runId != null && !b.runId.isBlank()) {
            dev.canyon.contract.Ids.require("runId", b.runId, false);
        }
        Objects.requireNonNull(b.stepBudget, "stepBudget");
        if (b.stepBudget.isNegative() || b.stepBudget.isZero()) {
            throw new IllegalArgumentException("stepBudget must be positive, got " + b.stepBudget);
        }
        if (b.inFlightBytes < 1) {
            throw new IllegalArgumentException("inFlightBytes must be >= 1, got " + b.inFlightBytes);
        }
        Objects.requireNonNull(b.startBudget, "startBudget");
        if (b.startBudget.isNegative()) {
            throw new IllegalArgumentException("startBudget must be >= 0, got " + b.startBudget);
        }
        Objects.requireNonNull(b.closeTimeout, "closeTimeout");
        if (b.closeTimeout.isNegative()) {
            throw new IllegalArgumentException("closeTimeout must be >= 0, got " + b.closeTimeout);
        }
        if (b.histogramEvery < 0) {
            throw new IllegalArgumentException("histogramEvery must be >= 0 (0: no histograms), got " + b.histogramEvery);
        }
        if (b.histogramBins < 1 || b.histogramBins > dev.canyon.contract.StepDiagnostics.MAX_BINS) {
            throw new IllegalArgumentException("histogramBins must be in [1, " + dev.canyon.contract.StepDiagnostics.MAX_BINS
                    + "], got " + b.histogramBins);
        }
        if (b.jvmEvery < 0) {
            throw new IllegalArgumentException("jvmEvery must be >= 0 (0: no JVM samples), got " + b.jvmEvery);
        }
        this.histogramEvery = b.histogramEvery;
        this.histogramBins = b.histogramBins;
        this.jvmEvery = b.jvmEvery;
        if (b.journalMaxBytes < 0) {
            throw new IllegalArgumentException("journalMaxBytes must be >= 0, got " + b.journalMaxBytes);
        }
        this.bootstrapServers = b.bootstrapServers;
        this.explicitKafkaProperties = Map.copyOf(b.kafkaProperties);
        this.kafkaPropertiesFile = b.kafkaPropertiesFile;
        this.kafkaProperties = Map.copyOf(KafkaClientProperties.merge(b.kafkaPropertiesFile == null ? Map.of()
                : b.kafkaPropertiesFileFromEnvironment
                        ? KafkaClientProperties.fromEnvironment(Map.of(KafkaClientProperties.ENV, b.kafkaPropertiesFile.toString()))
                        : KafkaClientProperties.load(b.kafkaPropertiesFile), explicitKafkaProperties));
        this.experimentId = experiment;
        this.runId = b.runId == null || b.runId.isBlank() ? newRunId() : b.runId;
        this.vectors = Objects.requireNonNull(b.vectors, "vectors");
        this.sketchSeed = CountSketch.seedFor(experiment);
        this.probes = Objects.requireNonNull(b.probes, "probes");
        this.stepBudget = b.stepBudget;
        this.inFlightBytes = b.inFlightBytes;
        this.startBudget = b.startBudget;
        this.journalDir = Objects.requireNonNull(b.journalDir, "journalDir").toAbsolutePath().normalize();
        this.journalMaxBytes = b.journalMaxBytes;
        this.closeTimeout = b.closeTimeout;
        this.strictDelivery = b.strictDelivery;
        this.clock = Objects.requireNonNull(b.clock, "clock");
        this.background = b.background;
    }

    /** Defaults for {@code bootstrapServers} (see the table above). */
    public static TelemetryConfig of(String bootstrapServers) {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        return builder().bootstrapServers(bootstrapServers).build();
    }

    /** A builder holding the defaults of the table above. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder holding this configuration, run id included (set {@code runId(null)} for a new one);
     * the sketch seed follows the experiment.
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.bootstrapServers = bootstrapServers;
        b.kafkaProperties = explicitKafkaProperties;
        b.kafkaPropertiesFile = kafkaPropertiesFile;
        b.kafkaPropertiesFileFromEnvironment = false;
        b.experimentId = experimentId;
        b.runId = runId;
        b.vectors = vectors;
        b.probes = probes;
        b.stepBudget = stepBudget;
        b.inFlightBytes = inFlightBytes;
        b.startBudget = startBudget;
        b.journalDir = journalDir;
        b.journalMaxBytes = journalMaxBytes;
        b.closeTimeout = closeTimeout;
        b.strictDelivery = strictDelivery;
        b.clock = clock;
        b.background = background;
        b.histogramEvery = histogramEvery;
        b.histogramBins = histogramBins;
        b.jvmEvery = jvmEvery;
        return b;
    }

    /** Builds a {@link TelemetryConfig}; every setting starts at its default, and {@link #build()} validates. */
    public static final class Builder {
        private String bootstrapServers;
        private Map<String, String> kafkaProperties = Map.of();
        private Path kafkaPropertiesFile = environmentKafkaConfig();
        private boolean kafkaPropertiesFileFromEnvironment = kafkaPropertiesFile != null;
        private String experimentId = "default";
        private String runId;
        private VectorRepresentation vectors = VectorRepresentation.sketch(VectorRepresentation.DEFAULT_SKETCH_SIZE);
        private ProbePlan probes = ProbePlan.OFF;
        private Duration stepBudget = Duration.ofMillis(200);
        private long inFlightBytes = 64L << 20;
        private Duration startBudget = Duration.ofSeconds(10);
        private Path journalDir = JournalFolder.defaultDir();
        private long journalMaxBytes = 2L << 30;
        private Duration closeTimeout = Duration.ofSeconds(10);
        private boolean strictDelivery;
        private Clock clock = Clock.systemUTC();
        private boolean background = Runtime.getRuntime().availableProcessors() > 2;
        private long histogramEvery = DEFAULT_HISTOGRAM_EVERY;
        private int histogramBins = DEFAULT_HISTOGRAM_BINS;
        private long jvmEvery = DEFAULT_JVM_EVERY;

        private Builder() {}

        /** Per-layer histograms of θ_t, g_t and Δθ_t at steps N, 2N, ...; 0: none. */
        public Builder histogramEvery(long n) {
            this.histogramEvery = n;
            return this;
        }

        /** Equal-width bins per histogram (1 to {@value dev.canyon.contract.StepDiagnostics#MAX_BINS}). */
        public Builder histogramBins(int bins) {
            this.histogramBins = bins;
            return this;
        }

        /** The trainer JVM's heap, off-heap bytes, GC time and steps per second at steps N, 2N, ...; 0: never. */
        public Builder jvmEvery(long n) {
            this.jvmEvery = n;
            return this;
        }

        /** Kafka {@code host:port[,host:port]}; needed by the Kafka sink only. */
        public Builder bootstrapServers(String servers) {
            this.bootstrapServers = servers;
            return this;
        }

        /**
         * A Kafka client properties file (security settings and their secrets; Kafka's {@code
         * --command-config} format) instead of {@code $CANYON_KAFKA_CONFIG}; null: none. Read at
         * {@link #build()}.
         */
        public Builder kafkaPropertiesFrom(Path file) {
            this.kafkaPropertiesFile = file;
            this.kafkaPropertiesFileFromEnvironment = false;
            return this;
        }

        private static Path environmentKafkaConfig() {
            String f = System.getenv(KafkaClientProperties.ENV);
            return f == null || f.isBlank() ? null : Path.of(f.strip());
        }

        /** Further producer properties; they override Canyon's defaults and the {@link #kafkaPropertiesFrom} file's. */
        public Builder kafkaProperties(Map<String, String> props) {
            this.kafkaProperties = Objects.requireNonNull(props, "kafkaProperties");
            return this;
        }

        /** The experiment (blank: {@code default}); its id also seeds the CountSketch. */
        public Builder experimentId(String experiment) {
            this.experimentId = experiment;
            return this;
        }

        /** The run id (null or blank: generated at {@link #build()}). */
        public Builder runId(String run) {
            this.runId = run;
            return this;
        }

        /** Experiment and run id together. */
        public Builder run(String experiment, String run) {
            return experimentId(experiment).runId(run);
        }

        /** How gradient and delta vectors are shipped. */
        public Builder vectors(VectorRepresentation v) {
            this.vectors = v;
            return this;
        }

        /** Which probes run when. */
        public Builder probes(ProbePlan plan) {
            this.probes = plan;
            return this;
        }

        /** Longest a training step may wait for Kafka (producer {@code max.block.ms}). */
        public Builder stepBudget(Duration budget) {
            this.stepBudget = budget;
            return this;
        }

        /** Bytes accepted by the producer but not yet acknowledged; more are journaled. */
        public Builder inFlightBytes(long bytes) {
            this.inFlightBytes = bytes;
            return this;
        }

        /**
         * How long the Kafka sink waits, once, for the metadata of Canyon's topics before sending its
         * first record (off the training thread; records wait in memory meanwhile, up to {@code
         * inFlightBytes}). Zero: no wait.
         */
        public Builder startBudget(Duration budget) {
            this.startBudget = budget;
            return this;
        }

        /**
         * Where records Kafka did not take wait, across processes (default {@link Journals#defaultDirectory()});
         * journals left in it are re-sent when a Kafka sink for the same bootstrap servers starts.
         */
        public Builder journalDir(Path dir) {
            this.journalDir = dir;
            return this;
        }

        /** The journal's bound; past it records are dropped and counted. */
        public Builder journalMaxBytes(long bytes) {
            this.journalMaxBytes = bytes;
            return this;
        }

        /** The close budget: how long {@code close()} waits for pending records before leaving them in the journal. */
        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = timeout;
            return this;
        }

        /** Whether {@code close()} throws {@link TelemetryException} when a record was not delivered (default false: it logs and returns). */
        public Builder strictDelivery(boolean strict) {
            this.strictDelivery = strict;
            return this;
        }

        /** Source of event times. */
        public Builder clock(Clock c) {
            this.clock = c;
            return this;
        }

        /** Whether steps are processed on a telemetry thread (true) or on the training thread (false). */
        public Builder background(boolean b) {
            this.background = b;
            return this;
        }

        /** The configuration; throws IllegalArgumentException naming the first invalid setting. */
        public TelemetryConfig build() {
            return new TelemetryConfig(this);
        }
    }

    /** The Kafka cluster, or null when none was given (then only other sinks can take the records). */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The producer properties beyond Canyon's defaults: the {@code kafkaPropertiesFrom} file's, then {@code kafkaProperties}. */
    public Map<String, String> kafkaProperties() {
        return kafkaProperties;
    }

    /** The Kafka client properties file read, or null. */
    public Path kafkaPropertiesFile() {
        return kafkaPropertiesFile;
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

    public Duration startBudget() {
        return startBudget;
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

    public boolean strictDelivery() {
        return strictDelivery;
    }

    public Clock clock() {
        return clock;
    }

    public boolean background() {
        return background;
    }

    /** Histograms at steps N, 2N, ... (0: none). */
    public long histogramEvery() {
        return histogramEvery;
    }

    /** Bins per histogram. */
    public int histogramBins() {
        return histogramBins;
    }

    /** JVM samples at steps N, 2N, ... (0: none). */
    public long jvmEvery() {
        return jvmEvery;
    }

    /**
     * Producer properties: idempotent, {@code acks=all}, retrying without a deadline (the publisher
     * bounds memory and journals instead), blocking at most the step budget, reconnecting to a broker
     * that is down after {@link #RECONNECT_BACKOFF} doubling to {@link #RECONNECT_BACKOFF_MAX} (a few
     * client log lines per outage, not dozens); then {@link #kafkaProperties()}, which win.
     */
    public Properties producerProperties() {
        if (bootstrapServers == null) {
            throw new IllegalStateException("this telemetry configuration names no Kafka cluster: set bootstrapServers for the "
                    + "Kafka sink, or give the listener another sink");
        }
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
        // A broker that is down: reconnect after 1 s, doubling to 10 s, so that the Kafka client's own warnings (two
        // lines per failed attempt) stay a few lines per outage; the sink logs the outage itself, once.
        p.put("reconnect.backoff.ms", Long.toString(RECONNECT_BACKOFF.toMillis()));
        p.put("reconnect.backoff.max.ms", Long.toString(RECONNECT_BACKOFF_MAX.toMillis()));
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
