package dev.canyon.analytics.job;

import dev.canyon.analytics.StepPoints;
import dev.canyon.analytics.distance.DistanceTravelled;
import dev.canyon.analytics.kafka.DeadLetter;
import dev.canyon.analytics.kafka.RawRecord;
import dev.canyon.contract.Vectors;
import dev.canyon.contract.WireFormatException;
import dev.canyon.contract.WireRecords;
import dev.canyon.contract.proto.Step;
import dev.canyon.storage.StoredPoint;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Decodes step records keyed by run, keeps each run's distance travelled, and emits the step's
 * InfluxDB points. With FULL vectors, ‖g‖ and the distances are measured from the vectors (the
 * displacement from their running sum); with halves or sketches, which only approximate the
 * vectors, from the trainer's exact per-step scalars. Anything unusable goes to {@link #DEAD_LETTERS} with its reason and never
 * touches the run's state: corrupt frames, unknown versions, invalid values, a run id that differs
 * from the record key, a dimension that changed within a run, non-finite vectors, and duplicate or
 * out-of-order steps.
 */
public final class StepAnalyticsFunction extends KeyedProcessFunction<String, RawRecord, StoredPoint> {
    private static final long serialVersionUID = 1L;

    /** Side output of records that could not be used. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));

    private transient ValueState<RunState> state;
    private transient Counter deadLetters;
    private transient Counter stepsAccepted;

    @Override
    public void open(org.apache.flink.api.common.functions.OpenContext openContext) {
        state = getRuntimeContext().getState(new ValueStateDescriptor<>("run", TypeInformation.of(RunState.class)));
        deadLetters = getRuntimeContext().getMetricGroup().counter("canyonDeadLetters");
        stepsAccepted = getRuntimeContext().getMetricGroup().counter("canyonStepsAccepted");
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<StoredPoint> out) throws Exception {
        Step step;
        try {
            step = WireRecords.decodeStep(raw.value);
        } catch (WireFormatException e) {
            reject(ctx, raw, e.getMessage());
            return;
        }
        if (!step.getRunId().equals(ctx.getCurrentKey())) {
            reject(ctx, raw, "run_id '" + step.getRunId() + "' differs from the record key '" + ctx.getCurrentKey() + "'");
            return;
        }
        RunState s = state.value();
        if (s == null) {
            s = new RunState();
        }
        if (s.steps > 0 && step.getStep() <= s.lastStep) {
            reject(ctx, raw, (step.getStep() == s.lastStep ? "duplicate" : "out-of-order") + " step " + step.getStep()
                    + " of run " + step.getRunId() + " (last accepted step " + s.lastStep + ")");
            return;
        }
        int d = step.getDelta().getDimension();
        if (s.dimension != 0 && d != s.dimension) {
            reject(ctx, raw, "delta of step " + step.getStep() + " has " + d + " values, this run's earlier deltas had "
                    + s.dimension);
            return;
        }
        double gradNorm;
        double stepLength;
        double displacement;
        DistanceTravelled distance = null;
        if (Vectors.isExact(step.getDelta()) && Vectors.isExact(step.getGradient())) {
            // FULL vectors: measure from the vectors themselves.
            float[] delta = Vectors.toFloats(step.getDelta());
            gradNorm = StepPoints.norm(Vectors.toFloats(step.getGradient()));
            if (!Double.isFinite(gradNorm)) {
                reject(ctx, raw, "gradient of step " + step.getStep() + " contains NaN or infinite values");
                return;
            }
            distance = new DistanceTravelled(s.displacementSum, s.pathLength, s.steps);
            try {
                distance.update(delta);
            } catch (IllegalArgumentException e) {
                reject(ctx, raw, "delta of step " + step.getStep() + ": " + e.getMessage());
                return;
            }
            stepLength = distance.lastStepLength();
            displacement = distance.displacement();
        } else {
            // Halves and sketches only approximate the vectors: use the trainer's exact scalars.
            gradNorm = step.getScalars().getGradNorm();
            stepLength = step.getScalars().getDeltaNorm();
            displacement = step.getScalars().getDisplacement();
        }
        s.dimension = d;
        s.displacementSum = distance == null ? null : distance.sumView();
        s.pathLength += stepLength;
        s.steps++;
        s.lastStep = step.getStep();
        state.update(s);
        stepsAccepted.inc();
        for (StoredPoint p : StepPoints.of(step, gradNorm, stepLength, s.pathLength, displacement)) {
            out.collect(p);
        }
    }

    private void reject(Context ctx, RawRecord raw, String reason) {
        deadLetters.inc();
        ctx.output(DEAD_LETTERS, new DeadLetter(raw, reason));
    }
}
