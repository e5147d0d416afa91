package dev.canyon.analytics.update;

import dev.canyon.kernels.stall.StallDetector;

/**
 * A stall alert opening or resolving at {@code at.step()} (stamped with the run's latest event
 * time), with its evidence and the run's obstacle state at the time ("" before the first decision).
 */
public record AlertTransition(At at, StallDetector.Kind kind, boolean open, String evidence, String obstacleState)
        implements Update {
    @Override
    public String run() {
        return at.run();
    }
}
