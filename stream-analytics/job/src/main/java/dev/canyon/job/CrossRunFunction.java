package dev.canyon.job;

import dev.canyon.kernels.crossrun.CrossRunDistances;
import dev.canyon.analytics.update.CrossRunDistance;
import dev.canyon.analytics.update.Update;
import java.time.Duration;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Cross-run distances, keyed by experiment: each pair of runs at each aligned step gives one
 * {@link CrossRunDistance} (stored once per direction, each stamped with its own run's event time at
 * that step, so a replay rewrites the same points) (see {@link CrossRunDistances} for
 * which pairs are found).
 */
public final class CrossRunFunction extends KeyedProcessFunction<String, RunPosition, Update> {
    private static final long serialVersionUID = 1L;

    /** Aligned positions kept per run (400 · 50 = the first 20,000 steps at the default alignment). */
    public static final int KEPT_PER_RUN = 400;

    private final Duration stateTtl;
    private transient ValueState<CrossRunDistances> state;

    public CrossRunFunction(Duration stateTtl) {
        this.stateTtl = stateTtl;
    }

    @Override
    public void open(org.apache.flink.api.common.functions.OpenContext openContext) {
        ValueStateDescriptor<CrossRunDistances> d = new ValueStateDescriptor<>("cross-run",
                dev.canyon.job.state.CrossRunDistancesSerializer.INSTANCE);
        d.enableTimeToLive(StateTtlConfig.newBuilder(stateTtl).build());
        state = getRuntimeContext().getState(d);
    }

    @Override
    public void processElement(RunPosition p, Context ctx, Collector<Update> out) throws Exception {
        CrossRunDistances distances = state.value();
        if (distances == null) {
            distances = new CrossRunDistances(KEPT_PER_RUN);
        }
        java.util.List<CrossRunDistances.Pair> pairs;
        try {
            pairs = distances.add(p.run, p.step, p.eventTimeMs, p.theta);
        } catch (IllegalArgumentException e) {
            return; // RunAnalyzer only offers finite positions; nothing here may stop the job
        }
        for (CrossRunDistances.Pair pair : pairs) {
            out.collect(CrossRunDistance.of(p.experiment, pair));
        }
        state.update(distances);
    }

}
