package dev.canyon.kernels.obstacle;

/** What training faces in a window of steps (DESIGN.md, "Obstacle state"). */
public enum ObstacleState {
    /** The loss is going down. */
    PROGRESSING,
    /** The loss is flat while the weights keep travelling (Lipton's flat basins, seed 002). */
    PLATEAU_MOVING,
    /** Tiny gradient and no negative curvature. */
    NEAR_MINIMUM,
    /** Tiny gradient and negative curvature. */
    SADDLE,
    /** Uphill steps, negative successive cosines, curvature large against the step. */
    ILL_CONDITIONED,
    /** Uphill steps, a high gradient noise scale, successive cosines near 0. */
    NOISE_DOMINATED,
    /** The loss rising fast, or non-finite values. */
    DIVERGING
}
