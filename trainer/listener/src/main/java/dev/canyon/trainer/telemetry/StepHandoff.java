package dev.canyon.trainer.telemetry;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The hand-off of step frames from the training thread to their processing: a pool of {@code
 * frames} reusable {@link StepFrame}s and, in background mode, a telemetry thread that processes
 * them in step order; inline, the training thread processes each frame itself when it submits it.
 * The training thread waits only when every frame is in use (the telemetry thread is that many steps
 * behind).
 *
 * <p>Invariants: frames are processed one at a time, in the order submitted; after {@link
 * #awaitProcessed}(s) returns, the telemetry thread is idle unless a frame after step s was
 * submitted, so the training thread may read the processing state (happens-before through the
 * progress monitor). A failure while processing a frame is reported to {@link ListenerErrors} and
 * the frame goes back to the pool.
 */
final class StepHandoff {
    private final BlockingQueue<StepFrame> free;
    private final BlockingQueue<StepFrame> work;
    private final Consumer<StepFrame> process;
    private final ListenerErrors errors;
    private final Thread worker;
    private final AtomicLong busyNanos = new AtomicLong();
    private final Object progress = new Object();
    private long processed;

    /**
     * @param d values per vector
     * @param frames frames in the pool
     * @param background whether a telemetry thread (named {@code threadName}) processes the frames
     * @param process what processing a frame means
     */
    StepHandoff(int d, int frames, boolean background, String threadName, Consumer<StepFrame> process, ListenerErrors errors) {
        this.process = process;
        this.errors = errors;
        this.free = new ArrayBlockingQueue<>(frames);
        this.work = new ArrayBlockingQueue<>(frames + 1);
        for (int i = 0; i < frames; i++) {
            free.add(new StepFrame(d));
        }
        if (background) {
            worker = new Thread(this::work, threadName);
            worker.setDaemon(true);
            worker.start();
        } else {
            worker = null;
        }
    }

    /** Whether a telemetry thread processes the frames. */
    boolean background() {
        return worker != null;
    }

    /** A free frame for the next step; waits while every frame is in use. */
    StepFrame take() throws InterruptedException {
        return free.take();
    }

    /** Processes {@code f}: hands it to the telemetry thread, or processes it now when inline. */
    void submit(StepFrame f) throws InterruptedException {
        if (worker == null) {
            run(f);
        } else {
            work.put(f);
        }
    }

    /** Returns a frame that will not be submitted to the pool. */
    void recycle(StepFrame f) {
        free.offer(f);
    }

    /** Waits until the frame of step {@code step} (and every earlier one) has been processed. */
    void awaitProcessed(long step) throws InterruptedException {
        synchronized (progress) {
            while (processed < step) {
                progress.wait();
            }
        }
    }

    /** Time spent processing frames, ns. */
    long busyNanos() {
        return busyNanos.get();
    }

    /** Waits until step {@code lastStep} has been processed, then stops the telemetry thread (if any). */
    void stop(long lastStep) throws InterruptedException {
        if (worker == null) {
            return;
        }
        awaitProcessed(lastStep);
        work.put(StepFrame.stopSignal());
        worker.join();
    }

    /** The telemetry thread: frames in step order until the stop signal. */
    private void work() {
        while (true) {
            StepFrame f;
            try {
                f = work.take();
            } catch (InterruptedException e) {
                return;
            }
            if (f.stop) {
                return;
            }
            run(f);
        }
    }

    /** Processes one frame (on the telemetry thread, or inline) and returns it to the pool. */
    private void run(StepFrame f) {
        long started = System.nanoTime();
        try {
            process.accept(f);
        } catch (RuntimeException e) {
            errors.report("publishing step " + f.step, e);
        } finally {
            busyNanos.addAndGet(System.nanoTime() - started);
            synchronized (progress) {
                processed = f.step;
                progress.notifyAll();
            }
            free.offer(f);
        }
    }
}
