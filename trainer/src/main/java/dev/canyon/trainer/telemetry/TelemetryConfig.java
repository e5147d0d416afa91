package dev.canyon.trainer.telemetry;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.UUID;
import dev.canyon.contract.VectorRepresentation;
import dev.canyon.contract.sketch.CountSketch;
import dev.canyon.trainer.probe.ProbePlan;

/**
 * Configuration of the telemetry listener: where to publish and how to name the run. Validated on
 * construction.
 *
 * @param bootstrapServers Kafka bootstrap servers, {@code host:port[,host:port]}
 * @param kafkaProperties any further Kafka producer properties (security settings, ...); they
 *     override Canyon's defaults except the serializers
 * @param experimentId experiment the run belongs to (runs of one experiment are compared)
 * @param runId run id; generated when absent
 * @param sendTimeout longest a step may wait for room in the producer's buffer
 * @param clock source of event times
 * @param vectors how gradient and delta vectors are shipped (default {@code sketch:1024})
 * @param sketchSeed CountSketch seed; default derived from the experiment id, so every run of an
 *     experiment sketches into the same space
 * @param probes which probes run when (default {@link ProbePlan#OFF})
 */
public record TelemetryConfig(String bootstrapServers, Map<String, String> kafkaProperties, String experimentId,
        String runId, Duration sendTimeout, Clock clock, VectorRepresentation vectors, long sketchSeed, ProbePlan probes) {

    public TelemetryConfig {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        if (bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("bootstrapServers must name at least one host:port");
        }
        kafkaProperties = Map.copyOf(kafkaProperties == null ? Map.of() : kafkaProperties);
        experimentId = experimentId == null || experimentId.isBlank() ? "default" : experimentId;
        runId = runId == null || runId.isBlank() ? newRunId() : runId;
        sendTimeout = sendTimeout == null ? Duration.ofSeconds(10) : sendTimeout;
        clock = clock == null ? Clock.systemUTC() : clock;
        vectors = vectors == null ? VectorRepresentation.sketch(VectorRepresentation.DEFAULT_SKETCH_SIZE) : vectors;
        probes = probes == null ? ProbePlan.OFF : probes;
        if (sendTimeout.isNegative() || sendTimeout.isZero()) {
            throw new IllegalArgumentException("sendTimeout must be positive, got " + sendTimeout);
        }
    }

    /** Defaults for {@code bootstrapServers}: experiment "default", a fresh run id, {@code sketch:1024}. */
    public static TelemetryConfig of(String bootstrapServers) {
        return new TelemetryConfig(bootstrapServers, Map.of(), null, null, null, null, null, CountSketch.seedFor("default"), null);
    }

    /** The same configuration for another experiment and run (null run: generated); the sketch seed follows the experiment. */
    public TelemetryConfig withRun(String experiment, String run) {
        String exp = experiment == null || experiment.isBlank() ? "default" : experiment;
        return new TelemetryConfig(bootstrapServers, kafkaProperties, exp, run, sendTimeout, clock, vectors,
                CountSketch.seedFor(exp), probes);
    }

    /** The same configuration with another vector representation. */
    public TelemetryConfig withVectors(VectorRepresentation v) {
        return new TelemetryConfig(bootstrapServers, kafkaProperties, experimentId, runId, sendTimeout, clock, v, sketchSeed, probes);
    }

    /** The same configuration with extra Kafka producer properties. */
    public TelemetryConfig withKafkaProperties(Map<String, String> props) {
        return new TelemetryConfig(bootstrapServers, props, experimentId, runId, sendTimeout, clock, vectors, sketchSeed, probes);
    }

    /** The same configuration with another probe plan. */
    public TelemetryConfig withProbes(ProbePlan plan) {
        return new TelemetryConfig(bootstrapServers, kafkaProperties, experimentId, runId, sendTimeout, clock, vectors,
                sketchSeed, plan);
    }

    /** Producer properties: Canyon's defaults, then {@link #kafkaProperties()}. */
    public Properties producerProperties() {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrapServers);
        p.put("acks", "all");
        p.put("enable.idempotence", "true");
        p.put("max.in.flight.requests.per.connection", "5");
        p.put("linger.ms", "5");
        p.put("compression.type", "none");
        p.put("max.request.size", Integer.toString(dev.canyon.contract.Topics.MAX_RECORD_BYTES));
        p.put("buffer.memory", Long.toString(256L * 1024 * 1024));
        p.put("max.block.ms", Long.toString(sendTimeout.toMillis()));
        p.put("delivery.timeout.ms", "120000");
        p.put("client.id", "canyon-trainer-" + runId);
        p.putAll(kafkaProperties);
        return p;
    }

    /** A new run id: time-ordered prefix plus randomness, safe in topic keys and tags. */
    public static String newRunId() {
        return "run-" + Long.toString(System.currentTimeMillis(), 36) + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
