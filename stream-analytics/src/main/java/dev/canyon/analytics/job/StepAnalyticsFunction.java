package dev.canyon.analytics.job;

import dev.canyon.analytics.StepPoints;
import dev.canyon.analytics.distance.DistanceTravelled;
import dev.canyon.analytics.kafka.AlertRecord;
import dev.canyon.analytics.kafka.DeadLetter;
import dev.canyon.analytics.stall.StallDetector;
import dev.canyon.contract.Measurements;
import dev.canyon.contract.PointTime;
import java.util.List;
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
 * vectors, from the trainer's exact per-step scalars. Each run also feeds a {@link StallDetector}
 * (plateau, divergence; silence by a processing-time timer re-armed at every step), whose alerts go
 * to InfluxDB ({@code alerts}) and to {@link #ALERTS}. Anything unusable goes to {@link #DEAD_LETTERS} with its reason and never
 * touches the run's state: corrupt frames, unknown versions, invalid values, a run id that differs
 * from the record key, a dimension that changed within a run, non-finite vectors, and duplicate or
 * out-of-order steps.
 */
public final class StepAnalyticsFunction extends KeyedProcessFunction<String, RawRecord, StoredPoint> {
    private static final long serialVersionUID = 1L;

    /** Side output of records that could not be used. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));
    /** Side output of stall alerts opening and resolving. */
    public static final OutputTag<AlertRecord> ALERTS = new OutputTag<>("alerts", TypeInformation.of(AlertRecord.class));

    /** Accumulator of accepted steps (what a replay reports). */
    public static final String STEPS_ACCUMULATOR = "canyon-steps";

    private final StallDetector.Config stallConfig;
    private final org.apache.flink.api.common.accumulators.LongCounter stepsCounted =
            new org.apache.flink.api.common.accumulators.LongCounter();
    private transient ValueState<RunState> state;
    private transient ValueState<StallState> stall;
    private transient Counter deadLetters;
    private transient Counter stepsAccepted;
    private transient Counter alertsRaised;

    /** With DESIGN.md's default stall thresholds. */
    public StepAnalyticsFunction() {
        this(StallDetector.Config.defaults());
    }

    public StepAnalyticsFunction(StallDetector.Config stallConfig) {
        this.stallConfig = stallConfig;
    }

    @Override
    public void open(org.apache.flink.api.common.functions.OpenContext openContext) {
        state = getRuntimeContext().getState(new ValueStateDescriptor<>("run", TypeInformation.of(RunState.class)));
        stall = getRuntimeContext().getState(new ValueStateDescriptor<>("stall", TypeInformation.of(StallState.class)));
        deadLetters = getRuntimeContext().getMetricGroup().counter("canyonDeadLetters");
        stepsAccepted = getRuntimeContext().getMetricGroup().counter("canyonStepsAccepted");
        alertsRaised = getRuntimeContext().getMetricGroup().counter("canyonAlerts");
        getRuntimeContext().addAccumulator(STEPS_ACCUMULATOR, stepsCounted);
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
        stepsCounted.add(1L);
        for (StoredPoint p : StepPoints.of(step, gradNorm, stepLength, s.pathLength, displacement)) {
            out.collect(p);
        }
        detectStalls(step, gradNorm, ctx, out);
    }

    /** Feeds the run's stall detector and re-arms its silence timer; alerts go to InfluxDB and the alerts side output. */
    private void detectStalls(Step step, double gradNorm, Context ctx, Collector<StoredPoint> out) throws Exception {
        StallState ss = stall.value();
        if (ss == null) {
            ss = new StallState();
        }
        long now = ctx.timerService().currentProcessingTime();
        StallDetector detector = ss.detector(stallConfig);
        List<StallDetector.Alert> alerts = detector.onStep(step.getStep(), now, step.getLoss(), gradNorm);
        ss.save(detector);
        ss.lastEventTimeMs = step.getEventTimeMs();
        ss.experimentId = step.getExperimentId();
        if (ss.timer != 0) {
            ctx.timerService().deleteProcessingTimeTimer(ss.timer);
        }
        ss.timer = now + stallConfig.silence().toMillis();
        ctx.timerService().registerProcessingTimeTimer(ss.timer);
        stall.update(ss);
        emit(alerts, ctx.getCurrentKey(), ss, ctx, out);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<StoredPoint> out) throws Exception {
        StallState ss = stall.value();
        if (ss == null || ss.timer != timestamp) {
            return;
        }
        StallDetector detector = ss.detector(stallConfig);
        List<StallDetector.Alert> alerts = detector.onClock(timestamp);
        ss.save(detector);
        ss.timer = 0;
        stall.update(ss);
        emit(alerts, ctx.getCurrentKey(), ss, ctx, out);
    }

    private void emit(List<StallDetector.Alert> alerts, String run, StallState ss, Context ctx, Collector<StoredPoint> out) {
        for (StallDetector.Alert a : alerts) {
            alertsRaised.inc();
            ctx.output(ALERTS, new AlertRecord(run, ss.experimentId, a.kind().name(), a.open(), a.step(), ss.lastEventTimeMs,
                    a.evidence()));
            // Time from the data: the alert's step, shifted by kind so that two kinds at one step stay distinct.
            long time = PointTime.ofStep(ss.lastEventTimeMs, a.step()) + 1000L * (a.kind().ordinal() + 1);
            out.collect(StoredPoint.builder(Measurements.ALERTS, time)
                    .tag(Measurements.TAG_RUN, run)
                    .tag(Measurements.TAG_EXPERIMENT, ss.experimentId)
                    .tag(Measurements.TAG_KIND, a.kind().name().toLowerCase(java.util.Locale.ROOT))
                    .field(Measurements.FIELD_STEP, a.step())
                    .field(Measurements.FIELD_OPEN, a.open() ? 1L : 0L)
                    .field(Measurements.FIELD_EVIDENCE, a.evidence())
                    .build());
        }
    }

    private void reject(Context ctx, RawRecord raw, String reason) {
        deadLetters.inc();
        ctx.output(DEAD_LETTERS, new DeadLetter(raw, reason));
    }
}
