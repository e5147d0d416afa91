package dev.canyon.trainer.telemetry;

import dev.canyon.contract.proto.TelemetryHealth;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * What became of the records handed to a {@link TelemetrySink}: counters, whether everything was
 * settled (acknowledged or dropped), and where undelivered records wait.
 *
 * @param attempted records handed to the sink
 * @param acknowledged records delivered (for Kafka: acknowledged by the broker)
 * @param stepsAcknowledged step records among them (probes share the step topic and are not counted)
 * @param spilled records that went to the on-disk journal because the broker could not take them in time
 * @param resent journaled records delivered later
 * @param dropped records that will never be delivered (refused, journal full, sent after close), see {@code firstFailure}
 * @param settled every record was delivered or dropped (nothing in flight, nothing journaled)
 * @param journaled records still waiting in the journal (after {@link TelemetrySink#finish()}: left there for the next
 *        listener start or {@code canyon resend})
 * @param journal the journal file, or null for a sink without one
 * @param waited how long the final delivery waited (zero before {@link TelemetrySink#finish()})
 * @param firstFailure the first reason a record was dropped, or null
 * @param leftoversResent records of journals left by earlier processes that this sink re-sent (not in the other
 *        counters, which are this run's)
 */
public record DeliveryReport(long attempted, long acknowledged, long stepsAcknowledged, long spilled, long resent, long dropped,
        boolean settled, long journaled, Path journal, Duration waited, Exception firstFailure, long leftoversResent) {

    /** True when every record was delivered. */
    public boolean complete() {
        return settled && dropped == 0;
    }

    /** The counters as they travel in step and run-ended records. */
    public TelemetryHealth health() {
        return TelemetryHealth.newBuilder().setSent(acknowledged).setSpilled(spilled).setResent(resent).setDropped(dropped).build();
    }

    /** One line for people: what was delivered, what waits where, what was lost. */
    public String summary() {
        StringBuilder b = new StringBuilder();
        b.append(acknowledged).append(" of ").append(attempted).append(" telemetry records delivered");
        if (journaled > 0) {
            b.append("; ").append(journaled).append(" wait in ").append(journal);
        }
        if (dropped > 0) {
            b.append("; ").append(dropped).append(" dropped (first: ").append(firstFailure).append(')');
        }
        if (!settled && journaled == 0) {
            b.append("; not settled");
        }
        if (leftoversResent > 0) {
            b.append("; ").append(leftoversResent).append(" records of earlier runs' journals re-sent");
        }
        return b.toString();
    }

    /** This report when {@link #complete()}; otherwise throws {@link TelemetryException} saying what was lost or still waits, and where. */
    public DeliveryReport requireDelivered() {
        if (!settled) {
            throw new TelemetryException("telemetry not delivered within " + seconds(waited) + ": " + journaled
                    + " records remain in " + journal + " and " + dropped + " were dropped", firstFailure);
        }
        if (dropped > 0) {
            throw new TelemetryException(dropped + " of " + attempted + " telemetry records were not delivered; first: "
                    + firstFailure, firstFailure);
        }
        return this;
    }

    static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }
}
