package dev.canyon.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Checks, before anything starts, that the fixed ports a command listens on are free. */
final class Ports {
    private Ports() {}

    /**
     * Fails with a message naming {@code port}, the {@code option} that chose it and how to get
     * another, when something on this machine already listens on it; 0 (a free port) always passes.
     */
    static void requireFree(int port, String option, String what) {
        if (port == 0) {
            return;
        }
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(port));
        } catch (IOException e) {
            throw new IllegalStateException("port " + port + " (" + option + ", " + what + ") is in use on this machine: is another "
                    + "canyon stack or demo running, or another server? Stop it, or pass " + option + " with another port (0 for a "
                    + "free one)", e);
        }
    }
}
