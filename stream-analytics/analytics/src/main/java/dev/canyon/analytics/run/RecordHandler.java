package dev.canyon.analytics.run;

import dev.canyon.analytics.update.Update;
import dev.canyon.contract.Topics;
import dev.canyon.contract.WireFormatException;
import dev.canyon.contract.WireRecords;
import dev.canyon.contract.proto.Step;
import java.util.List;

/**
 * The one path a record takes into a run's analytics, shared by the live job and the offline
 * reader (so that "a replay equals the live run" rests on one piece of code, not two kept in step):
 * bytes and the key they arrived under in, an {@link Outcome} out. Decodes the frame; a step whose
 * loss or gradient is not finite is rejected but handed to {@link RunAnalyzer#onNonFiniteStep} as
 * evidence of divergence; checks that the record's run id is its key, that it came on its own topic
 * (run records on {@code canyon.runs}, steps and probes on {@code canyon.steps}) and that the per-run
 * analytics take its kind; dispatches it to the run's {@link RunAnalyzer}, whose state changes only when the
 * record is accepted.
 */
public final class RecordHandler {

    /** When a step arrived, in ms (the live job: processing time; offline: the step's own event time). */
    @FunctionalInterface
    public interface ArrivalClock {
        long arrivalMs(Step step);
    }

    /** What one record did. */
    public enum Kind {
        /** An accepted step. */
        STEP,
        /** An accepted probe. */
        PROBE,
        /** An accepted run-started record. */
        RUN_STARTED,
        /** An accepted run-ended record. */
        RUN_ENDED,
        /** A step with a non-finite loss or gradient: rejected, but evidence of divergence. */
        NON_FINITE_STEP,
        /** Anything else that could not be used. */
        REJECTED
    }

    /**
     * The outcome of one record.
     *
     * @param kind what it was
     * @param updates what the analytics produced (possibly for a rejected non-finite step)
     * @param rejection why it was rejected, or null when it was accepted
     * @param step the accepted step record (for {@link Kind#STEP}), else null
     */
    public record Outcome(Kind kind, List<Update> updates, String rejection, Step step) {
        /** Whether the record was used. */
        public boolean accepted() {
            return rejection == null;
        }

        /** Whether a step of the run arrived, usable or not (what restarts the silence clock). */
        public boolean stepArrived() {
            return kind == Kind.STEP || kind == Kind.NON_FINITE_STEP;
        }

        static Outcome rejected(String reason) {
            return new Outcome(Kind.REJECTED, List.of(), reason, null);
        }
    }

    private RecordHandler() {}

    /**
     * Handles one record of the step or run topic, published under {@code key}, for the run whose
     * analyzer is {@code analyzer} (the caller keeps one per key).
     */
    public static Outcome handle(RunAnalyzer analyzer, String key, String topic, byte[] value, ArrivalClock clock) {
        WireRecords.Decoded decoded;
        try {
            decoded = WireRecords.decode(value);
        } catch (WireFormatException e) {
            Step nonFinite = WireRecords.nonFiniteStep(value);
            if (nonFinite != null && nonFinite.getRunId().equals(key) && Topics.STEPS.equals(topic)) {
                return new Outcome(Kind.NON_FINITE_STEP, analyzer.onNonFiniteStep(nonFinite, clock.arrivalMs(nonFinite)),
                        e.getMessage(), null);
            }
            return Outcome.rejected(e.getMessage());
        }
        if (!decoded.runId().equals(key)) {
            return Outcome.rejected("run_id '" + decoded.runId() + "' differs from the record key '" + key + "'");
        }
        boolean lifecycle = decoded instanceof WireRecords.DecodedRunStarted || decoded instanceof WireRecords.DecodedRunEnded;
        boolean stepTopic = decoded instanceof WireRecords.DecodedStep || decoded instanceof WireRecords.DecodedProbe;
        String expected = lifecycle ? Topics.RUNS : stepTopic ? Topics.STEPS : null;
        if (expected != null && !expected.equals(topic)) {
            return Outcome.rejected(decoded.getClass().getSimpleName().replace("Decoded", "") + " records belong on " + expected
                    + ", this one came on " + topic);
        }
        try {
            if (decoded instanceof WireRecords.DecodedStep s) {
                return new Outcome(Kind.STEP, analyzer.onStep(s.record(), clock.arrivalMs(s.record())), null, s.record());
            } else if (decoded instanceof WireRecords.DecodedProbe p) {
                return new Outcome(Kind.PROBE, analyzer.onProbe(p.record()), null, null);
            } else if (decoded instanceof WireRecords.DecodedRunStarted r) {
                return new Outcome(Kind.RUN_STARTED, analyzer.onRunStarted(r.record()), null, null);
            } else if (decoded instanceof WireRecords.DecodedRunEnded r) {
                return new Outcome(Kind.RUN_ENDED, analyzer.onRunEnded(r.record()), null, null);
            }
        } catch (RunAnalyzer.Rejected e) {
            return Outcome.rejected(e.getMessage());
        }
        return Outcome.rejected(decoded.getClass().getSimpleName().replace("Decoded", "") + " records do not belong on " + topic);
    }
}
