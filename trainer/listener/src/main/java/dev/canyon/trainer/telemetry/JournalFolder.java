package dev.canyon.trainer.telemetry;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where telemetry journals live and how they are protected: a per-user folder that survives the
 * process and a reboot ({@link #defaultDir}), created {@code 0700} with every parent Canyon creates,
 * journal files created {@code 0600} atomically (never readable by others, not even briefly); on
 * file systems without POSIX permissions, plain folders and files. Also the in-JVM register of the
 * journals this JVM has open, which keeps one JVM from locking, reading or re-sending a journal it
 * is writing (a {@link java.nio.channels.FileLock} guards against other processes only, and closing
 * any channel to a file releases the JVM's lock on it).
 */
final class JournalFolder {
    private static final Logger LOG = LoggerFactory.getLogger(JournalFolder.class);

    /** Environment variable naming the journal folder; overrides the XDG default. */
    static final String ENV = "CANYON_JOURNAL_DIR";

    static final Set<PosixFilePermission> FOLDER = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

    private static final Set<Path> OPEN = ConcurrentHashMap.newKeySet();
    private static final Set<Path> CHECKED = ConcurrentHashMap.newKeySet();

    private JournalFolder() {}

    /**
     * The default journal folder: {@code $CANYON_JOURNAL_DIR} when set (a relative path is taken from
     * the working directory), else {@code $XDG_STATE_HOME/canyon/journal} when XDG_STATE_HOME is set
     * and absolute, else {@code ~/.local/state/canyon/journal} (XDG's default state folder).
     */
    static Path defaultDir() {
        return defaultDir(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    /** {@link #defaultDir()} for the environment {@code env} and home folder {@code home}. */
    static Path defaultDir(Map<String, String> env, Path home) {
        String configured = env.get(ENV);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        String xdg = env.get("XDG_STATE_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            return Path.of(xdg, "canyon", "journal");
        }
        return home.resolve(".local").resolve("state").resolve("canyon").resolve("journal");
    }

    /** Whether {@code dir}'s file system has POSIX permissions. */
    static boolean posix(Path dir) {
        return dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    /**
     * Creates {@code dir} and its missing parents, each {@code 0700}; for a folder that existed and
     * is open to group or others, tightens it to the owner (logged) or, where that is not allowed,
     * logs a warning naming the folder and its permissions. Returns the absolute folder.
     */
    static Path prepare(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        if (!posix(abs)) {
            Files.createDirectories(abs);
            return abs;
        }
        Deque<Path> missing = new ArrayDeque<>();
        for (Path p = abs; p != null && !Files.exists(p); p = p.getParent()) {
            missing.push(p);
        }
        boolean existed = missing.isEmpty();
        FileAttribute<Set<PosixFilePermission>> attr = PosixFilePermissions.asFileAttribute(FOLDER);
        while (!missing.isEmpty()) {
            Path p = missing.pop();
            try {
                Files.createDirectory(p, attr);
                // The umask can only take bits away; set them anyway, in case an ACL default added some.
                Files.setPosixFilePermissions(p, FOLDER);
            } catch (FileAlreadyExistsException raced) {
                // Created meanwhile by another process: checked below if it is the journal folder.
                existed = p.equals(abs);
            }
        }
        if (!Files.isDirectory(abs)) {
            throw new IOException("telemetry journal folder " + abs + " is not a folder");
        }
        if (existed && CHECKED.add(abs)) {
            check(abs);
        }
        return abs;
    }

    private static void check(Path dir) throws IOException {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir);
        Set<PosixFilePermission> open = EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission p : perms) {
            if (!p.name().startsWith("OWNER_")) {
                open.add(p);
            }
        }
        if (open.isEmpty()) {
            return;
        }
        Set<PosixFilePermission> tightened = EnumSet.copyOf(perms);
        tightened.removeAll(open);
        try {
            Files.setPosixFilePermissions(dir, tightened);
            LOG.info("Telemetry journal folder {} was {}; now {} (journals are private to their user)", dir,
                    PosixFilePermissions.toString(perms), PosixFilePermissions.toString(tightened));
        } catch (AccessDeniedException | UnsupportedOperationException e) {
            LOG.warn("Telemetry journal folder {} is {} and owned by {}: other users can see which runs wait in it (journal "
                    + "files themselves are 0600); use a folder of your own (CANYON_JOURNAL_DIR or TelemetryConfig.journalDir)",
                    dir, PosixFilePermissions.toString(perms), Files.getOwner(dir).getName());
        }
    }

    /** Creates {@code file} (which must not exist), readable and writable by its owner only from the first instant. */
    static FileChannel createPrivate(Path file) throws IOException {
        Set<StandardOpenOption> options = EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        if (posix(file)) {
            return FileChannel.open(file, options, PosixFilePermissions.asFileAttribute(FILE));
        }
        return FileChannel.open(file, options);
    }

    /** Opens an existing journal for reading and writing, not following a symbolic link. */
    static FileChannel openExisting(Path file) throws IOException {
        return FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    }

    /** Forces {@code dir}'s entries (a created, renamed or deleted journal) to disk, where the platform allows. */
    static void syncFolder(Path dir) {
        try (FileChannel c = FileChannel.open(dir, StandardOpenOption.READ)) {
            c.force(true);
        } catch (IOException | RuntimeException e) {
            // Not every platform opens folders (Windows does not); the files themselves are forced.
        }
    }

    /** Registers {@code file} as open in this JVM; false when it already is. */
    static boolean claim(Path file) {
        return OPEN.add(file.toAbsolutePath().normalize());
    }

    /** Whether this JVM has {@code file} open. */
    static boolean claimed(Path file) {
        return OPEN.contains(file.toAbsolutePath().normalize());
    }

    /** Ends {@link #claim}. */
    static void release(Path file) {
        OPEN.remove(file.toAbsolutePath().normalize());
    }
}
