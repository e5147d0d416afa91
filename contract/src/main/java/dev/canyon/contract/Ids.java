package dev.canyon.contract;

/**
 * Rules for run and experiment ids, which become InfluxDB tag values and Kafka keys: any text up
 * to {@value #MAX_LENGTH} characters without control characters. Spaces, commas, equals signs,
 * quotes, backslashes and any Unicode are fine (they are escaped in line protocol and round-trip
 * exactly); a newline, tab or other control character is not, because InfluxDB's line protocol
 * has no escape for a newline in a tag value, and neither is a backslash at the end, which line
 * protocol reads as escaping the delimiter after it (measured with influxd 1.6.7: such a line is
 * refused; a backslash anywhere else round-trips).
 */
public final class Ids {
    /** Longest id accepted. */
    public static final int MAX_LENGTH = 256;

    private Ids() {}

    /** The problem with {@code id} (named {@code what} in the message), or null if it is acceptable. */
    public static String problem(String what, String id, boolean mayBeEmpty) {
        if (id.isEmpty()) {
            return mayBeEmpty ? null : what + " is empty";
        }
        if (id.length() > MAX_LENGTH) {
            return what + " has " + id.length() + " characters, at most " + MAX_LENGTH + " are allowed";
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (Character.isISOControl(c)) {
                return String.format(java.util.Locale.ROOT, "%s contains the control character U+%04X at index %d "
                        + "(InfluxDB tags cannot hold it): '%s'", what, (int) c, i, printable(id));
            }
            if (c == '\\' && i == id.length() - 1) {
                return what + " ends with a backslash (InfluxDB's line protocol would read it as escaping the "
                        + "delimiter after it): '" + printable(id) + "'";
            }
        }
        return null;
    }

    /** {@code text} with control characters replaced by '?', safe for messages and string fields. */
    public static String printable(String text) {
        return text.replaceAll("\\p{Cntrl}", "?");
    }

    /** Throws {@link IllegalArgumentException} with {@link #problem}'s message if {@code id} is not acceptable. */
    public static String require(String what, String id, boolean mayBeEmpty) {
        String p = problem(what, id == null ? "" : id, mayBeEmpty);
        if (p != null) {
            throw new IllegalArgumentException(p);
        }
        return id;
    }
}
