package dev.canyon.report.section;

/**
 * Why a section has nothing to show. A reason that is {@code leftOut} goes into the page's "Left out"
 * box and summary.json's problems: something the reader expected and can fix (no steps, too few
 * weight snapshots for the subspace view). The others are quiet: the run did not record that kind of
 * data (its probe plan took no Hessian probes, it is too short for a trajectory), or the cause is
 * noted once elsewhere (a model that cannot be rebuilt).
 */
public record Skip(String reason, boolean leftOut) {

    /** A reason for the page's "Left out" box. */
    public static Skip leftOut(String reason) {
        return new Skip(reason, true);
    }

    /** A reason that is not shown. */
    public static Skip quietly(String reason) {
        return new Skip(reason, false);
    }
}
