package dev.canyon.job.kafka;

/** A stall alert on its way to the alerts topic (a Flink POJO). */
public class AlertRecord {
    public String runId;
    public String experimentId;
    /** PLATEAU, SILENCE or DIVERGENCE. */
    public String kind;
    public boolean open;
    public long step;
    public long eventTimeMs;
    public String evidence;
    /** The run's obstacle state when the alert changed ("" before the first decision). */
    public String obstacleState = "";

    public AlertRecord() {}

    public AlertRecord(String runId, String experimentId, String kind, boolean open, long step, long eventTimeMs, String evidence) {
        this.runId = runId;
        this.experimentId = experimentId;
        this.kind = kind;
        this.open = open;
        this.step = step;
        this.eventTimeMs = eventTimeMs;
        this.evidence = evidence;
    }

    @Override
    public String toString() {
        return kind + (open ? " opened" : " resolved") + " for " + runId + " at step " + step + ": " + evidence;
    }
}
