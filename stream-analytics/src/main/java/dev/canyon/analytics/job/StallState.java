package dev.canyon.analytics.job;

import dev.canyon.analytics.stall.StallDetector;

/** A run's stall-detector state as Flink keyed state (a POJO), plus its pending silence timer. */
public class StallState {
    public double smoothed = Double.NaN;
    public double best = Double.POSITIVE_INFINITY;
    public long stepOfBest;
    public long lastStep;
    public long lastArrivalMs = Long.MIN_VALUE;
    public long healthyStreak;
    public boolean plateauOpen;
    public boolean silenceOpen;
    public boolean divergenceOpen;
    public long steps;
    /** Processing time of the pending silence timer, or 0. */
    public long timer;
    /** Event time and experiment of the last step (for the alert records). */
    public long lastEventTimeMs;
    public String experimentId = "";

    public StallState() {}

    StallDetector detector(StallDetector.Config config) {
        return StallDetector.restore(config, new StallDetector.State(smoothed, best, stepOfBest, lastStep, lastArrivalMs,
                healthyStreak, plateauOpen, silenceOpen, divergenceOpen, steps));
    }

    void save(StallDetector d) {
        StallDetector.State s = d.state();
        smoothed = s.smoothed();
        best = s.best();
        stepOfBest = s.stepOfBest();
        lastStep = s.lastStep();
        lastArrivalMs = s.lastArrivalMs();
        healthyStreak = s.healthyStreak();
        plateauOpen = s.plateauOpen();
        silenceOpen = s.silenceOpen();
        divergenceOpen = s.divergenceOpen();
        steps = s.steps();
    }
}
