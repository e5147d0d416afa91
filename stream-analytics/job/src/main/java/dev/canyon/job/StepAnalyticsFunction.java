package dev.canyon.job;

import dev.canyon.analytics.AnalyticsSettings;
import dev.canyon.analytics.run.RecordHandler;
import dev.canyon.analytics.run.RunAnalyzer;
import dev.canyon.analytics.update.AlertTransition;
import dev.canyon.analytics.update.At;
import dev.canyon.analytics.update.DeadLetterNoted;
import dev.canyon.analytics.update.PipelineLag;
import dev.canyon.analytics.update.Position;
import dev.canyon.analytics.update.Update;
import dev.canyon.contract.proto.Step;
import dev.canyon.job.kafka.DeadLetter;
import dev.canyon.job.kafka.RawRecord;
import java.time.Duration;
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
 * #POSITIONS} for cross-run distances. Silence is a processing-time deadline moved at every step and
 * dropped when the run ends (its timer fires at the deadline). Anything unusable goes to {@link #DEAD_LETTERS} with its reason and never
 * touches the run's state: corrupt frames, unknown versions, invalid values, a run id that differs
 * from the record key, a dimension that changed within a run, non-finite vectors, duplicate or
 * out-of-order steps, steps after the run's end. A step whose loss or gradient is not finite is a
 * dead letter too, and also opens the run's divergence alert.
 *
 * <p>Each record goes through the {@link RecordHandler} that the offline reader uses too.
 *
 * <p>State: one {@link RunAnalyzer} per run, in its own versioned format ({@link
 * dev.canyon.job.state.RunAnalyzerSerializer}; a newer Canyon reads it, and a version it cannot read
 * fails the restore with a message naming it), with a time-to-live
 * of {@link #stateTtl} processing time since its last update, which removes ended and abandoned runs.
 */
public final class StepAnalyticsFunction extends KeyedProcessFunction<String, RawRecord, Update> {
    private static final long serialVersionUID = 2L;

    /** Side output of records that could not be used. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));
    /** Side output of stall alerts opening and resolving. */
    public static final OutputTag<AlertTransition> ALERTS = new OutputTag<>("alerts", TypeInformation.of(AlertTransition.class));
    /** Side output of runs' positions at aligned steps. */
    public static final OutputTag<RunPosition> POSITIONS = new OutputTag<>("positions", TypeInformation.of(RunPosition.class));

    /** Accumulator of accepted steps (what a replay reports). */
    public static final String STEPS_ACCUMULATOR = "canyon-steps";

    /** Default time-to-live of a run's state after its last update. */
    public static final Duration DEFAULT_STATE_TTL = Duration.ofDays(2);

    private final AnalyticsSettings settings;
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
        this(AnalyticsSettings.defaults(), DEFAULT_STATE_TTL);
    }

    public StepAnalyticsFunction(AnalyticsSettings settings, Duration stateTtl) {
        this(settings, stateTtl, false);
    }

    /**
     * @param pipelineMetrics whether to write the live job's own health ({@code pipeline} ingest lag,
     *     {@code dead_letters}); off for replays, whose processing times mean nothing
     */
    public StepAnalyticsFunction(AnalyticsSettings settings, Duration stateTtl, boolean pipelineMetrics) {
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
        // The analyzer's own versioned format (not Kryo): a checkpoint survives an upgrade of Canyon.
        ValueStateDescriptor<RunAnalyzer> run = new ValueStateDescriptor<>("run-analyzer", dev.canyon.job.state.RunAnalyzerSerializer.INSTANCE);
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
    public void processElement(RawRecord raw, Context ctx, Collector<Update> out) throws Exception {
        // A state backend that fails is not the record's fault: that failure stops the task as before.
        RunAnalyzer a = analyzer();
        RecordHandler.Outcome outcome;
        long now = ctx.timerService().currentProcessingTime();
        try {
            outcome = RecordHandler.handle(a, ctx.getCurrentKey(), raw.topic, raw.value, step -> now);
        } catch (RuntimeException e) {
            // Nothing a record holds may stop the job: what the handler did not foresee is a dead letter too.
            reject(ctx, out, raw, "could not be handled: " + e);
            return;
        }
        if (!outcome.accepted()) {
            reject(ctx, out, raw, outcome.rejection());
            if (outcome.kind() != RecordHandler.Kind.NON_FINITE_STEP) {
                return;
            }
        }
        if (outcome.kind() == RecordHandler.Kind.STEP) {
            stepsAccepted.inc();
            stepsCounted.add(1L);
            Step s = outcome.step();
            if (pipelineMetrics && s.getStep() % settings.emitEvery() == 0) {
                out.collect(new PipelineLag(new At(s.getRunId(), s.getExperimentId(), s.getStep(), s.getEventTimeMs()),
                        now - s.getEventTimeMs()));
            }
        }
        emit(outcome.updates(), ctx, out);
        if (outcome.stepArrived() || a.finished()) {
            // A step arrived, usable or not: the silence clock restarts (or stops if the run finished).
            rearmSilence(a, ctx);
        } else if (outcome.kind() == RecordHandler.Kind.RUN_ENDED) {
            // The run says it is over: no silence alert for it, even if its last step never comes.
            // Steps still to come (they travel on another topic) re-arm the timer.
            cancelSilence(ctx);
        }
        state.update(a);
    }

    /**
     * Moves the silence deadline after a step, or drops it for a finished run. The deadline lives in
     * {@code silence-timer}; a processing-time timer is registered only when none is pending at or
     * before it (the one pending re-registers itself at the deadline when it fires early), so a step
     * costs one state write instead of deleting and registering a timer.
     */
    private void rearmSilence(RunAnalyzer a, Context ctx) throws java.io.IOException {
        if (a.finished()) {
            cancelSilence(ctx);
            return;
        }
        long next = ctx.timerService().currentProcessingTime() + settings.stall().silence().toMillis();
        Long pending = timer.value();
        if (pending == null || pending > next) {
            ctx.timerService().registerProcessingTimeTimer(next);
        }
        timer.update(next);
    }

    private void cancelSilence(Context ctx) throws java.io.IOException {
        Long pending = timer.value();
        if (pending != null) {
            // A timer registered earlier than the deadline may remain; it finds no deadline and does nothing.
            ctx.timerService().deleteProcessingTimeTimer(pending);
            timer.clear();
        }
    }

    private RunAnalyzer analyzer() throws java.io.IOException {
        RunAnalyzer a = state.value();
        return a == null ? new RunAnalyzer(settings) : a.adopt(settings);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Update> out) throws Exception {
        Long deadline = timer.value();
        RunAnalyzer a = state.value();
        if (deadline == null || a == null) {
            return;
        }
        if (timestamp < deadline) {
            // Steps came since this timer was registered: the run is silent only from its deadline on.
            ctx.timerService().registerProcessingTimeTimer(deadline);
            return;
        }
        a.adopt(settings);
        timer.clear();
        emit(a.onClock(timestamp), ctx, out);
        state.update(a);
    }

    private void emit(java.util.List<Update> updates, Context ctx, Collector<Update> out) {
        for (Update u : updates) {
            if (u instanceof Position p) {
                ctx.output(POSITIONS, new RunPosition(p.at().run(), p.at().experiment(), p.at().step(), p.at().eventTimeMs(),
                        p.theta()));
                continue;
            }
            if (u instanceof AlertTransition t) {
                alertsRaised.inc();
                ctx.output(ALERTS, t);
            }
            out.collect(u);
        }
    }

    private void reject(Context ctx, Collector<Update> out, RawRecord raw, String reason) {
        deadLetters.inc();
        ctx.output(DEAD_LETTERS, new DeadLetter(raw, reason));
        if (pipelineMetrics) {
            out.collect(new DeadLetterNoted(ctx.getCurrentKey(), reason, raw.topic, raw.offset,
                    ctx.timerService().currentProcessingTime()));
        }
    }
}
