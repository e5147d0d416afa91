package dev.canyon.job;

/** A run's θ_t at an aligned step, in its PCA space (a Flink POJO), on its way to the cross-run distances. */
public class RunPosition {
    public String run;
    public String experiment;
    public long step;
    public long eventTimeMs;
    public float[] theta;

    public RunPosition() {}

    public RunPosition(String run, String experiment, long step, long eventTimeMs, float[] theta) {
        this.run = run;
        this.experiment = experiment;
        this.step = step;
        this.eventTimeMs = eventTimeMs;
        this.theta = theta;
    }
}
