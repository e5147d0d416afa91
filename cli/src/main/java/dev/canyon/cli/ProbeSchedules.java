package dev.canyon.cli;

import dev.canyon.trainer.probe.ProbePlan;

/** A probe preset with the command line's schedule overrides. */
final class ProbeSchedules {
    private ProbeSchedules() {}

    /**
     * @param preset off, economy or full
     * @param snapshotEvery a weight snapshot every N steps (and θ_0) instead of the preset's; 0 keeps it
     * @param linearPathEvery the linear path at step 1 and every N steps instead of the preset's; 0 keeps it
     */
    static ProbePlan plan(String preset, long snapshotEvery, long linearPathEvery) {
        if (snapshotEvery < 0) {
            throw new IllegalArgumentException("--snapshot-every must be >= 0, got " + snapshotEvery);
        }
        if (linearPathEvery < 0) {
            throw new IllegalArgumentException("--linear-path-every must be >= 0, got " + linearPathEvery);
        }
        ProbePlan plan = ProbePlan.preset(preset);
        if (snapshotEvery == 0 && linearPathEvery == 0) {
            return plan;
        }
        ProbePlan.Builder b = plan.toBuilder();
        if (snapshotEvery > 0) {
            b.snapshots(step -> step % snapshotEvery == 0);
        }
        if (linearPathEvery > 0) {
            b.linearPath(step -> step == 1 || step % linearPathEvery == 0);
        }
        return b.build();
    }
}
