package dev.canyon.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Checks, before anything starts, that the fixed ports a command listens on are free. */
final class Ports {
    private Ports() {}

    /** How long a busy port is given to be freed (a stack that was just stopped still closing it) before the check fails. */
    static final long GRACE_MS = 5_000;

    /**
     * Fails with a message naming {@code port}, the {@code option} that chose it and how to get
     * another, when something on this machine listens on it for longer than {@link #GRACE_MS}; 0 (a
     * free port) always passes.
     */
    static void requireFree(int port, String option, String what) {
        if (port == 0) {
            return;
        }
        long deadline = System.nanoTime() + GRACE_MS * 1_000_000L;
        IOException busy;
        do {
            busy = bind(port);
            if (busy == null) {
                return;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        } while (System.nanoTime() - deadline < 0);
        throw new IllegalStateException("port " + port + " (" + option + ", " + what + ") is in use on this machine: is another "
                + "canyon stack or demo running, or another server? Stop it, or pass " + option + " with another port (0 for a "
                + "free one)", busy);
    }

    /** Null when {@code port} could be bound (and was released again), else why not. */
    private static IOException bind(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(port));
            return null;
        } catch (IOException e) {
            return e;
        }
    }
}
