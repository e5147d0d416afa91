package dev.canyon.job;

import dev.canyon.job.kafka.AlertRecord;
import dev.canyon.job.kafka.DeadLetter;
import dev.canyon.job.kafka.RawRecord;
import dev.canyon.analytics.run.RunAnalyzer;
import dev.canyon.contract.Measurements;
import dev.canyon.contract.PointTime;
import dev.canyon.contract.WireFormatException;
import dev.canyon.contract.WireRecords;
import dev.canyon.contract.proto.Step;
import java.time.Duration;
import dev.canyon.storage.StoredPoint;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The per-run analytics, keyed by run (the record key): decodes each record of the step, probe and
 * run topics and feeds it to the run's {@link RunAnalyzer} (distance travelled, stall alerts,
 * obstacle indicators and state, trajectory PCA, probes), whose points go to the main output. Alerts
 * go to InfluxDB ({@code alerts}) and to {@link #ALERTS}; positions at aligned steps to {@link
 * #POSITIONS} for cross-run distances. Silence is a processing-time timer re-armed at every step and
 * dropped when the run ends. Anything unusable goes to {@link #DEAD_LETTERS} with its reason and never
 * touches the run's state: corrupt frames, unknown versions, invalid values, a run id that differs
 * from the record key, a dimension that changed within a run, non-finite vectors, duplicate or
 * out-of-order steps, steps after the run's end. A step whose loss or gradient is not finite is a
 * dead letter too, and also opens the run's divergence alert.
 *
 * <p>State: one {@link RunAnalyzer} per run (Kryo-serialized in checkpoints; not schema-evolvable
 * across Canyon versions, so upgrade a live job from an empty state or replay), with a time-to-live
 * of {@link #stateTtl} processing time since its last update, which removes ended and abandoned runs.
 */
public final class StepAnalyticsFunction extends KeyedProcessFunction<String, RawRecord, StoredPoint> {
    private static final long serialVersionUID = 2L;

    /** Side output of records that could not be used. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));
    /** Side output of stall alerts opening and resolving. */
    public static final OutputTag<AlertRecord> ALERTS = new OutputTag<>("alerts", TypeInformation.of(AlertRecord.class));
    /** Side output of runs' positions at aligned steps. */
    public static final OutputTag<RunPosition> POSITIONS = new OutputTag<>("positions", TypeInformation.of(RunPosition.class));

    /** Accumulator of accepted steps (what a replay reports). */
    public static final String STEPS_ACCUMULATOR = "canyon-steps";

    /** Default time-to-live of a run's state after its last update. */
    public static final Duration DEFAULT_STATE_TTL = Duration.ofDays(2);

    private final RunAnalyzer.Settings settings;
    private final Duration stateTtl;
    private final boolean pipelineMetrics;
    private final org.apache.flink.api.common.accumulators.LongCounter stepsCounted =
            new org.apache.flink.api.common.accumulators.LongCounter();
    private transient ValueState<RunAnalyzer> state;
    private transient ValueState<Long> timer;
    private transient Counter deadLetters;
    private transient Counter stepsAccepted;
    private transient Counter alertsRaised;

    /** With the default settings (DESIGN.md's stall thresholds). */
    public StepAnalyticsFunction() {
        this(RunAnalyzer.Settings.defaults(), DEFAULT_STATE_TTL);
    }

    public StepAnalyticsFunction(RunAnalyzer.Settings settings, Duration stateTtl) {
        this(settings, stateTtl, false);
    }

    /**
     * @param pipelineMetrics whether to write the live job's own health ({@code pipeline} ingest lag,
     *     {@code dead_letters}); off for replays, whose processing times mean nothing
     */
    public StepAnalyticsFunction(RunAnalyzer.Settings settings, Duration stateTtl, boolean pipelineMetrics) {
        this.settings = settings;
        this.stateTtl = stateTtl;
        this.pipelineMetrics = pipelineMetrics;
    }

    @Override
    public void open(org.apache.flink.api.common.functions.OpenContext openContext) {
        StateTtlConfig ttl = StateTtlConfig.newBuilder(stateTtl)
                .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                .build();
        ValueStateDescriptor<RunAnalyzer> run = new ValueStateDescriptor<>("run-analyzer", TypeInformation.of(RunAnalyzer.class));
        run.enableTimeToLive(ttl);
        state = getRuntimeContext().getState(run);
        ValueStateDescriptor<Long> silence = new ValueStateDescriptor<>("silence-timer", Long.class);
        silence.enableTimeToLive(ttl);
        timer = getRuntimeContext().getState(silence);
        deadLetters = getRuntimeContext().getMetricGroup().counter("canyonDeadLetters");
        stepsAccepted = getRuntimeContext().getMetricGroup().counter("canyonStepsAccepted");
        alertsRaised = getRuntimeContext().getMetricGroup().counter("canyonAlerts");
        getRuntimeContext().addAccumulator(STEPS_ACCUMULATOR, stepsCounted);
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<StoredPoint> out) throws Exception {
        WireRecords.Decoded decoded;
        try {
            decoded = WireRecords.decode(raw.value);
        } catch (WireFormatException e) {
            Step nonFinite = WireRecords.nonFiniteStep(raw.value);
            if (nonFinite != null && nonFinite.getRunId().equals(ctx.getCurrentKey())) {
                RunAnalyzer a = analyzer();
                emit(a.onNonFiniteStep(nonFinite, ctx.timerService().currentProcessingTime()), a, ctx, out);
                // A step arrived, unusable or not: the silence clock restarts (or stops if the run finished).
                rearmSilence(a, ctx);
                state.update(a);
            }
            reject(ctx, out, raw, e.getMessage());
            return;
        }
        if (!decoded.runId().equals(ctx.getCurrentKey())) {
            reject(ctx, out, raw, "run_id '" + decoded.runId() + "' differs from the record key '" + ctx.getCurrentKey() + "'");
            return;
        }
        if (!RunAnalyzer.accepts(decoded)) {
            reject(ctx, out, raw, decoded.getClass().getSimpleName().replace("Decoded", "") + " records do not belong on "
                    + raw.topic);
            return;
        }
        RunAnalyzer a = analyzer();
        RunAnalyzer.Output result;
        try {
            long now = ctx.timerService().currentProcessingTime();
            result = a.onRecord(decoded, now);
            if (decoded instanceof WireRecords.DecodedStep s) {
                stepsAccepted.inc();
                stepsCounted.add(1L);
                if (pipelineMetrics && s.record().getStep() % settings.emitEvery() == 0) {
                    out.collect(StoredPoint.builder(Measurements.PIPELINE,
                                    PointTime.ofStep(s.record().getEventTimeMs(), s.record().getStep()))
                            .tag(Measurements.TAG_RUN, s.record().getRunId())
                            .tag(Measurements.TAG_EXPERIMENT, s.record().getExperimentId())
                            .field(Measurements.FIELD_STEP, s.record().getStep())
                            .field(Measurements.FIELD_INGEST_LAG_MS, now - s.record().getEventTimeMs())
                            .build());
                }
            }
        } catch (RunAnalyzer.Rejected e) {
            reject(ctx, out, raw, e.getMessage());
            return;
        }
        emit(result, a, ctx, out);
        if (decoded instanceof WireRecords.DecodedStep || a.finished()) {
            rearmSilence(a, ctx);
        } else if (decoded instanceof WireRecords.DecodedRunEnded) {
            // The run says it is over: no silence alert for it, even if its last step never comes.
            // Steps still to come (they travel on another topic) re-arm the timer.
            cancelSilence(ctx);
        }
        state.update(a);
    }

    /** Restarts the silence timer after a step, or stops it for a finished run. */
    private void rearmSilence(RunAnalyzer a, Context ctx) throws java.io.IOException {
        cancelSilence(ctx);
        if (!a.finished()) {
            long next = ctx.timerService().currentProcessingTime() + settings.stall().silence().toMillis();
            ctx.timerService().registerProcessingTimeTimer(next);
            timer.update(next);
        }
    }

    private void cancelSilence(Context ctx) throws java.io.IOException {
        Long pending = timer.value();
        if (pending != null) {
            ctx.timerService().deleteProcessingTimeTimer(pending);
            timer.clear();
        }
    }

    private RunAnalyzer analyzer() throws java.io.IOException {
        RunAnalyzer a = state.value();
        return a == null ? new RunAnalyzer(settings) : a;
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<StoredPoint> out) throws Exception {
        Long pending = timer.value();
        RunAnalyzer a = state.value();
        if (pending == null || pending != timestamp || a == null) {
            return;
        }
        timer.clear();
        emit(a.onClock(timestamp), a, ctx, out);
        state.update(a);
    }

    private void emit(RunAnalyzer.Output result, RunAnalyzer a, Context ctx, Collector<StoredPoint> out) {
        for (StoredPoint p : result.points) {
            out.collect(p);
        }
        for (RunAnalyzer.Transition t : result.alerts) {
            alertsRaised.inc();
            AlertRecord record = new AlertRecord(ctx.getCurrentKey(), a.experiment(), t.kind().name(), t.open(), t.step(), t.eventTimeMs(),
                    t.evidence());
            record.obstacleState = t.obstacleState();
            ctx.output(ALERTS, record);
        }
        for (RunAnalyzer.Position p : result.positions) {
            ctx.output(POSITIONS, new RunPosition(ctx.getCurrentKey(), a.experiment(), p.step(), p.eventTimeMs(), p.theta()));
        }
    }

    private void reject(Context ctx, Collector<StoredPoint> out, RawRecord raw, String reason) {
        deadLetters.inc();
        ctx.output(DEAD_LETTERS, new DeadLetter(raw, reason));
        if (pipelineMetrics) {
            // Processing time in ns, with the offset in the low digits so that two dead letters in one ms stay apart.
            long time = ctx.timerService().currentProcessingTime() * 1_000_000L + Math.floorMod(raw.offset, 1_000_000L);
            // The key comes from whoever produced the record: a tag only when it is a valid id.
            String key = ctx.getCurrentKey();
            boolean validKey = dev.canyon.contract.Ids.problem("key", key, false) == null;
            out.collect(StoredPoint.builder(Measurements.DEAD_LETTERS, time)
                    .tag(Measurements.TAG_RUN, validKey ? key : "(invalid key)")
                    .field(Measurements.FIELD_KEY, dev.canyon.contract.Ids.printable(key.length() > 1024 ? key.substring(0, 1024) : key))
                    .field(Measurements.FIELD_REASON, dev.canyon.contract.Ids.printable(reason))
                    .field(Measurements.FIELD_TOPIC, raw.topic == null ? "" : raw.topic)
                    .field(Measurements.FIELD_OFFSET, raw.offset)
                    .build());
        }
    }
}
