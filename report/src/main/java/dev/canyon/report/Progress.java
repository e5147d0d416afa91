package dev.canyon.report;

/** Receives a report's progress: what is being done ("read canyon.steps", "subspace grid"), how much of it, and in all. */
public interface Progress {
    void update(String phase, long done, long total);
}
