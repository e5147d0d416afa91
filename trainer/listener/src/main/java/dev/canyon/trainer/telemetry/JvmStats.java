package dev.canyon.trainer.telemetry;

import dev.canyon.contract.proto.TrainerJvm;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryUsage;
import java.util.List;

/**
 * The trainer JVM's resources, sampled on the JVM schedule: heap used and its limit ({@link
 * MemoryMXBean}), native memory, cumulative GC time (every {@link GarbageCollectorMXBean}) and steps
 * per second since the previous sample.
 *
 * <p>Native memory is JavaCPP's {@code Pointer.totalBytes()} (what ND4J's CPU and CUDA backends
 * allocate through JavaCPP) when a JavaCPP backend is on the class path; the listener does not depend
 * on one, so it looks the method up once by reflection, and without it reports the JVM's direct
 * buffer pool. {@link #offheapSource()} says which. Cost per sample: a few MXBean calls (about a
 * microsecond); nothing on other steps.
 */
final class JvmStats {
    private static final MethodHandle JAVACPP_TOTAL_BYTES = javacppTotalBytes();

    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final List<GarbageCollectorMXBean> collectors = ManagementFactory.getGarbageCollectorMXBeans();
    private final BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
            .filter(p -> "direct".equals(p.getName())).findFirst().orElse(null);
    private long referenceStep = -1;
    private long referenceNanos;

    /** Notes when step {@code step} ended (System.nanoTime), the start of the first interval; later calls do nothing. */
    void start(long step, long nanos) {
        if (referenceStep < 0) {
            referenceStep = step;
            referenceNanos = nanos;
        }
    }

    /** A sample at step {@code step}, which ended at {@code nanos}; steps per second since the previous sample (or start). */
    TrainerJvm sample(long step, long nanos) {
        MemoryUsage heap = memory.getHeapMemoryUsage();
        long gc = 0;
        for (GarbageCollectorMXBean c : collectors) {
            gc += Math.max(0, c.getCollectionTime());
        }
        TrainerJvm.Builder b = TrainerJvm.newBuilder().setHeapUsedBytes(Math.max(0, heap.getUsed()))
                .setHeapMaxBytes(Math.max(0, heap.getMax())).setOffheapBytes(offheapBytes()).setGcTimeMs(gc);
        if (referenceStep >= 0 && step > referenceStep && nanos > referenceNanos) {
            b.setStepsPerS((step - referenceStep) / ((nanos - referenceNanos) / 1e9));
        }
        referenceStep = step;
        referenceNanos = nanos;
        return b.build();
    }

    /** Native bytes: JavaCPP's total when available, else the direct buffer pool's, else 0. */
    long offheapBytes() {
        if (JAVACPP_TOTAL_BYTES != null) {
            try {
                return Math.max(0, (long) JAVACPP_TOTAL_BYTES.invokeExact());
            } catch (Throwable e) {
                // fall through to the direct buffers
            }
        }
        return direct == null ? 0 : Math.max(0, direct.getMemoryUsed());
    }

    /** Where {@link #offheapBytes()} comes from: "javacpp" or "direct buffers". */
    static String offheapSource() {
        return JAVACPP_TOTAL_BYTES != null ? "javacpp" : "direct buffers";
    }

    private static MethodHandle javacppTotalBytes() {
        try {
            Class<?> pointer = Class.forName("org.bytedeco.javacpp.Pointer", false, JvmStats.class.getClassLoader());
            return MethodHandles.publicLookup().findStatic(pointer, "totalBytes", MethodType.methodType(long.class));
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            return null;
        }
    }
}
