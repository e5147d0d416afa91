package dev.canyon.kernels.obstacle;

/**
 * What training faces in a window of steps (DESIGN.md, "Obstacle state").
 *
 * <p>Each state has a persisted {@link #code()}: stored points carry it (the state-code field), so a
 * code never changes and a new state takes a new code. The codes equal the ordinals this enum had
 * when codes were introduced, which is what had been stored until then; a new constant may go
 * anywhere in the list, but its code must be new.
 *
 * <table>
 *   <caption>Codes</caption>
 *   <tr><th>code</th><th>state</th></tr>
 *   <tr><td>0</td><td>{@link #PROGRESSING}</td></tr>
 *   <tr><td>1</td><td>{@link #PLATEAU_MOVING}</td></tr>
 *   <tr><td>2</td><td>{@link #NEAR_MINIMUM}</td></tr>
 *   <tr><td>3</td><td>{@link #SADDLE}</td></tr>
 *   <tr><td>4</td><td>{@link #ILL_CONDITIONED}</td></tr>
 *   <tr><td>5</td><td>{@link #NOISE_DOMINATED}</td></tr>
 *   <tr><td>6</td><td>{@link #DIVERGING}</td></tr>
 * </table>
 */
public enum ObstacleState {
    /** The loss is going down. Code 0. */
    PROGRESSING(0, "the loss is falling by more than its noise"),
    /** The loss is flat while the weights keep travelling (Lipton's flat basins). Code 1. */
    PLATEAU_MOVING(1, "the loss is flat while the weights keep travelling (a flat basin)"),
    /** Tiny gradient and no negative curvature. Code 2. */
    NEAR_MINIMUM(2, "near a minimum: the gradient is about as small as noise and curvature keep it, and no direction curves down"),
    /** Tiny gradient and negative curvature. Code 3. */
    SADDLE(3, "near a saddle point: a small gradient and a direction of negative curvature"),
    /** Uphill steps, negative successive cosines, curvature large against the step. Code 4. */
    ILL_CONDITIONED(4, "bouncing in a badly conditioned canyon: steps overshoot across its steep walls"),
    /** Uphill steps, a high gradient noise scale, successive cosines near 0. Code 5. */
    NOISE_DOMINATED(5, "steps are mostly minibatch noise: about half go uphill, in unrelated directions"),
    /** The loss rising fast, or non-finite values. Code 6. */
    DIVERGING(6, "the loss is rising fast, or values are not finite");

    private final int code;
    private final String meaning;

    ObstacleState(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    /** What the state means, in one plain sentence for people (the rules are in docs/metrics.md, "obstacle"). */
    public String meaning() {
        return meaning;
    }

    /** The persisted code of this state (see the table above); never changes. */
    public int code() {
        return code;
    }

    /** The state of persisted code {@code code}; {@link IllegalArgumentException} naming it if none has it. */
    public static ObstacleState fromCode(int code) {
        for (ObstacleState s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        throw new IllegalArgumentException("no obstacle state has code " + code + "; known codes: "
                + java.util.Arrays.stream(values()).map(x -> Integer.toString(x.code)).collect(java.util.stream.Collectors.joining(", ")));
    }
}
