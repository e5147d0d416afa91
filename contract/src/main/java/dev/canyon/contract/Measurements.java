package dev.canyon.contract;

import java.util.List;

/**
 * InfluxDB measurement, tag and field names written by the stream and read by dashboards,
 * queries and reports. Every point of a run carries the tags {@link #TAG_RUN} and {@link
 * #TAG_EXPERIMENT} and its time from {@code dev.canyon.storage.PointTime}.
 */
public final class Measurements {
    /** Tag: run id. */
    public static final String TAG_RUN = "run";
    /** Tag: experiment id. */
    public static final String TAG_EXPERIMENT = "experiment";

    /** Field present in every per-step measurement: the step number t (integer). */
    public static final String FIELD_STEP = "step";

    /** Per-step training record: loss, learning rate, batch size, epoch, examples seen. */
    public static final String TRAINING = "training";
    public static final String FIELD_LOSS = "loss";
    public static final String FIELD_LEARNING_RATE = "learning_rate";
    public static final String FIELD_BATCH_SIZE = "batch_size";
    public static final String FIELD_EPOCH = "epoch";
    public static final String FIELD_EXAMPLES_SEEN = "examples_seen";
    /** The trainer's telemetry counters carried by the step (integers): records acknowledged by Kafka so far. */
    public static final String FIELD_TELEMETRY_SENT = "telemetry_sent";
    /** Records that went through the on-disk journal (Kafka away or slow) so far. */
    public static final String FIELD_TELEMETRY_SPILLED = "telemetry_spilled";
    /** Journaled records re-sent so far. */
    public static final String FIELD_TELEMETRY_RESENT = "telemetry_resent";
    /** Records lost so far (refused by Kafka, or journal full). */
    public static final String FIELD_TELEMETRY_DROPPED = "telemetry_dropped";

    /**
     * Per-layer histograms on the trainer's histogram schedule: one point per layer and kind, tags
     * {@link #TAG_LAYER} and {@link #TAG_KIND} ({@link #HISTOGRAM_KINDS}), fields {@link #FIELD_LO},
     * {@link #FIELD_HI}, {@link #FIELD_BINS} and the counts {@code c0}..{@code c{bins-1}}.
     */
    public static final String HISTOGRAMS = "histograms";
    /** Values of {@link #TAG_KIND} on {@link #HISTOGRAMS}: θ_t, the mean gradient g_t, the update Δθ_t. */
    public static final List<String> HISTOGRAM_KINDS = List.of("params", "gradients", "updates");
    /** Lower edge of the first bin: the minimum value. */
    public static final String FIELD_LO = "lo";
    /** Upper edge of the last bin: the maximum value. */
    public static final String FIELD_HI = "hi";
    /** Number of bins n (integer); bin i covers [lo + i·w, lo + (i+1)·w), the last one closed, w = (hi − lo)/n. */
    public static final String FIELD_BINS = "bins";
    /** Count of bin i (integer fields c0, c1, ...). */
    public static final String FIELD_COUNT_PREFIX = "c";

    /** The trainer JVM's resources on the trainer's JVM schedule: one point per sample. */
    public static final String TRAINER_JVM = "trainer_jvm";
    /** Heap in use, bytes (integer). */
    public static final String FIELD_HEAP_USED_BYTES = "heap_used_bytes";
    /** Heap limit, bytes (integer; absent when the JVM sets none). */
    public static final String FIELD_HEAP_MAX_BYTES = "heap_max_bytes";
    /** Native memory (JavaCPP's total, else direct buffers), bytes (integer). */
    public static final String FIELD_OFFHEAP_BYTES = "offheap_bytes";
    /** Cumulative garbage-collection time since the JVM started, ms (integer). */
    public static final String FIELD_GC_TIME_MS = "gc_time_ms";
    /** Steps per second since the previous sample. */
    public static final String FIELD_STEPS_PER_S = "steps_per_s";

    /**
     * The live job's own health, per run (not written by replays: the values depend on when the
     * job ran): {@link #FIELD_INGEST_LAG_MS} every {@code emit-every} steps.
     */
    public static final String PIPELINE = "pipeline";
    /** Processing time minus the step's event time when the job handled it, ms. */
    public static final String FIELD_INGEST_LAG_MS = "ingest_lag_ms";

    /** One point per dead-lettered record (live job only), tag {@link #TAG_RUN} = the record key. */
    public static final String DEAD_LETTERS = "dead_letters";
    /** The record's key, control characters replaced by '?' (string; the {@link #TAG_RUN} tag holds it only when it is a valid id). */
    public static final String FIELD_KEY = "key";
    /** Why the record could not be used (string). */
    public static final String FIELD_REASON = "reason";
    /** Source topic of the record (string). */
    public static final String FIELD_TOPIC = "topic";
    /** Source offset of the record (integer). */
    public static final String FIELD_OFFSET = "offset";

    /** Per-step gradient quantities. */
    public static final String GRADIENT = "gradient";
    /** ‖g_t‖ computed by the stream from the gradient vector it received. */
    public static final String FIELD_GRAD_NORM = "grad_norm";

    /** Per-step distance travelled (Lipton 2016, seed 002). */
    public static final String DISTANCE = "distance";
    /** ‖Δθ_t‖. */
    public static final String FIELD_STEP_LENGTH = "step_length";
    /** Σ_{i≤t} ‖Δθ_i‖. */
    public static final String FIELD_PATH_LENGTH = "path_length";
    /** ‖θ_t − θ_0‖ = ‖Σ_{i≤t} Δθ_i‖. */
    public static final String FIELD_DISPLACEMENT = "displacement";
    /** ‖θ_t‖, from the trainer's exact scalar. */
    public static final String FIELD_DISTANCE_FROM_ORIGIN = "distance_from_origin";
    /** displacement / path_length, in [0, 1]. */
    public static final String FIELD_STRAIGHTNESS = "straightness";
    /**
     * The first step the analytics saw of a run they met under way (no state for its earlier steps:
     * a new consumer group, a lost checkpoint, a replay of a topic whose first steps were deleted);
     * absent when they saw the run from its step 1. With it, path_length and straightness are
     * absent (they would count from this step, not from θ_0) and displacement is the trainer's.
     */
    public static final String FIELD_ANALYSED_FROM_STEP = "analysed_from_step";

    /**
     * Per-layer norms (DL4J-UI parity), one point per layer per step, tag {@link #TAG_LAYER}: from the
     * step record's per-tensor scalars, combined over the layer's tensors (docs/metrics.md). Fields
     * {@link #FIELD_GRAD_NORM}, {@link #FIELD_STEP_NORM}, {@link #FIELD_PARAM_NORM}, {@link
     * #FIELD_UPDATE_RATIO_LOG10}, {@link #FIELD_DISPLACEMENT} and {@link #FIELD_STEP}.
     */
    public static final String LAYERS = "layers";
    /** Tag of {@link #LAYERS} and {@link #HISTOGRAMS}: the layer, the DL4J parameter name up to its last '_' ("0" for "0_W" and "0_b"). */
    public static final String TAG_LAYER = "layer";
    /** ‖Δθ_l‖ of a layer's parameters at the step. */
    public static final String FIELD_STEP_NORM = "step_norm";
    /** ‖θ_l‖ of a layer's parameters after the step. */
    public static final String FIELD_PARAM_NORM = "param_norm";
    /** log10(‖Δθ_l‖ / ‖θ_l‖), the update:parameter ratio of DL4J's UI; absent when either norm is 0. */
    public static final String FIELD_UPDATE_RATIO_LOG10 = "update_ratio_log10";

    /** Stall alerts opening and resolving (one point per transition). */
    public static final String ALERTS = "alerts";
    /** Tag of {@link #ALERTS}: plateau, silence, divergence, loss_spike or gradient_spike. */
    public static final String TAG_KIND = "kind";
    /** 1 when the alert opens, 0 when it resolves (integer). */
    public static final String FIELD_OPEN = "open";
    /** What decided the transition (string). */
    public static final String FIELD_EVIDENCE = "evidence";

    /** Obstacle state of the alert's run when it opened or resolved (string, an {@code ObstacleState} name). */
    public static final String FIELD_OBSTACLE_STATE = "obstacle_state";

    /**
     * Windowed obstacle indicators (Goodfellow et al. tutorial, seed 001), one point every
     * {@code emit-every} steps over the last {@code window} steps.
     */
    public static final String INDICATORS = "indicators";
    /** Steps in the window (integer). */
    public static final String FIELD_WINDOW = "window";
    /** Mean ‖g‖ over the window. */
    public static final String FIELD_GRAD_NORM_MEAN = "grad_norm_mean";
    /** Least-squares slope of ln ‖g‖ per step (1/step). */
    public static final String FIELD_GRAD_NORM_TREND = "grad_norm_trend";
    /** Share of steps after which the minibatch loss rose, in [0, 1]. */
    public static final String FIELD_UPHILL_FRACTION = "uphill_fraction";
    /** Mean ⟨g_t, g_{t−1}⟩ / (‖g_t‖‖g_{t−1}‖), in [−1, 1]. */
    public static final String FIELD_SUCCESSIVE_COSINE = "successive_cosine";
    /** B_noise = tr(Σ)/‖∇L‖² (McCandlish et al. 2018), in examples; absent when it cannot be estimated (never negative). */
    public static final String FIELD_NOISE_SCALE = "noise_scale";
    /** Where {@link #FIELD_NOISE_SCALE} came from: "probe" (same-point gradients), "scalars" (cross-batch) or "absent". */
    public static final String FIELD_NOISE_SOURCE = "noise_source";
    /** Unbiased ‖∇L‖² of the same-point probes of the window (indicators) or of one probe (gradient_noise). */
    public static final String FIELD_GRAD_NORM_SQ = "grad_norm_sq";
    /** Standard error of {@link #FIELD_GRAD_NORM_SQ}. */
    public static final String FIELD_GRAD_NORM_SQ_STDERR = "grad_norm_sq_stderr";
    /** tr(Σ), the trace of the per-example gradient covariance. */
    public static final String FIELD_NOISE_TRACE = "noise_trace";
    /** Why an indicator is absent (string; empty when all are present). */
    public static final String FIELD_NOTES = "notes";
    /** Directional curvature along the step, ΔθᵀHΔθ/‖Δθ‖² (loss units per squared parameter unit). */
    public static final String FIELD_CURVATURE = "curvature";
    /** Where {@link #FIELD_CURVATURE} came from: "probe" (same batch, unbiased) or "scalars" (cross-batch). */
    public static final String FIELD_CURVATURE_SOURCE = "curvature_source";
    /** Taylor prediction ⟨g, Δθ⟩ + ½ κ‖Δθ‖² of the per-step loss change, window mean. */
    public static final String FIELD_TAYLOR_PREDICTED = "taylor_predicted";
    /** Observed per-step loss change L_{t+1} − L_t, window mean. */
    public static final String FIELD_TAYLOR_OBSERVED = "taylor_observed";
    /**
     * Sharpness over the run's optimizer's edge of stability with the latest Hessian probe (η·λmax/2
     * for SGD; above 1 the optimizer diverges on the local quadratic; docs/metrics.md).
     */
    public static final String FIELD_STABILITY_RATIO = "stability_ratio";
    /** λmax of the latest Hessian probe. */
    public static final String FIELD_LAMBDA_MAX = "lambda_max";
    /** λmin of the latest Hessian probe. */
    public static final String FIELD_LAMBDA_MIN = "lambda_min";

    /** Obstacle state per window, with the evidence that decided it. */
    public static final String OBSTACLE = "obstacle";
    /** The state's name (string). */
    public static final String FIELD_STATE = "state";
    /** The state's ordinal, for state-timeline panels (integer, 0 PROGRESSING … 6 DIVERGING). */
    public static final String FIELD_STATE_CODE = "state_code";

    /** Streaming trajectory PCA with its random-walk control, one point every {@code emit-every} steps. */
    public static final String PCA = "pca";
    /** Explained-variance ratio of principal component i (fields evr1, evr2, evr3). */
    public static final String FIELD_EVR_PREFIX = "evr";
    /** The same for the random-walk control (control_evr1, control_evr2, control_evr3). */
    public static final String FIELD_CONTROL_EVR_PREFIX = "control_evr";
    /** The current point's coordinate on PC1. */
    public static final String FIELD_PC1 = "pc1";
    /** The current point's coordinate on PC2. */
    public static final String FIELD_PC2 = "pc2";
    /** Dimension of the space the PCA runs in (sketch size, or d for small exact vectors). */
    public static final String FIELD_PCA_DIMENSION = "dimension";

    /** Same-batch curvature probes, one point per probe. */
    public static final String CURVATURE_PROBE = "curvature_probe";
    public static final String FIELD_ALONG_STEP = "along_step";
    public static final String FIELD_ALONG_GRADIENT = "along_gradient";

    /** Same-point gradient probes, one point per probe (grad_norm_sq, its stderr, noise_trace, noise_scale, parts, part_size). */
    public static final String GRADIENT_NOISE = "gradient_noise";
    public static final String FIELD_PARTS = "parts";
    public static final String FIELD_PART_SIZE = "part_size";

    /** Hessian probes, one point per probe. */
    public static final String HESSIAN = "hessian";
    /** Hutchinson estimate of tr(H). */
    public static final String FIELD_TRACE = "trace";
    /** Its standard error, from the spread of the Rademacher samples (absent under 2 samples). */
    public static final String FIELD_TRACE_STDERR = "trace_stderr";

    /** Linear-path probes (Goodfellow et al. 2015, seed 000): one point per α, the probe's step in {@link #FIELD_STEP}. */
    public static final String LINEAR_PATH = "linear_path";
    public static final String FIELD_ALPHA = "alpha";
    public static final String FIELD_TRAIN_LOSS = "train_loss";
    public static final String FIELD_VALIDATION_LOSS = "validation_loss";
    /** One point per linear-path probe: monotone (1/0) and barrier height of the train and validation curves. */
    public static final String LINEAR_PATH_SUMMARY = "linear_path_summary";
    public static final String FIELD_MONOTONE = "monotone";
    public static final String FIELD_BARRIER = "barrier";
    public static final String FIELD_VALIDATION_MONOTONE = "validation_monotone";
    public static final String FIELD_VALIDATION_BARRIER = "validation_barrier";

    /** Distances between the runs of one experiment at aligned steps (Lipton 2016, seed 002). */
    public static final String CROSS_RUN = "cross_run";
    /** Tag of {@link #CROSS_RUN}: the other run. */
    public static final String TAG_OTHER = "other";
    /** ‖θ_run − θ_other‖ at the step (in the sketch space when the runs ship sketches). */
    public static final String FIELD_DISTANCE = "distance";

    /** The per-step measurements: each holds exactly one point per stored step. */
    public static final List<String> PER_STEP = List.of(TRAINING, GRADIENT, DISTANCE);

    private Measurements() {}
}
