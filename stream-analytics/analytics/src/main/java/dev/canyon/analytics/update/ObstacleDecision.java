package dev.canyon.analytics.update;

import dev.canyon.kernels.obstacle.ObstacleState;

/** The obstacle state decided at {@code at.step()}, with the evidence that decided it, in words. */
public record ObstacleDecision(At at, ObstacleState state, String evidence) implements Update {
    @Override
    public String run() {
        return at.run();
    }
}
