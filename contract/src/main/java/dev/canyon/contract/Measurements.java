package dev.canyon.contract;

import java.util.List;

/**
 * InfluxDB measurement, tag and field names written by the stream and read by dashboards,
 * queries and reports. Every point of a run carries the tags {@link #TAG_RUN} and {@link
 * #TAG_EXPERIMENT} and its time from {@link PointTime}.
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

    /** Stall alerts opening and resolving (one point per transition). */
    public static final String ALERTS = "alerts";
    /** Tag of {@link #ALERTS}: plateau, silence or divergence. */
    public static final String TAG_KIND = "kind";
    /** 1 when the alert opens, 0 when it resolves (integer). */
    public static final String FIELD_OPEN = "open";
    /** What decided the transition (string). */
    public static final String FIELD_EVIDENCE = "evidence";

    /** The per-step measurements: each holds exactly one point per stored step. */
    public static final List<String> PER_STEP = List.of(TRAINING, GRADIENT, DISTANCE);

    private Measurements() {}
}
