package dev.canyon.analytics.update;

/** The live job's ingest lag at a step: processing time minus the step's event time, in ms. */
public record PipelineLag(At at, long ingestLagMs) implements Update {
    @Override
    public String run() {
        return at.run();
    }
}
