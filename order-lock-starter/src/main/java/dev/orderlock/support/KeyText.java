package dev.orderlock.support;

import org.jspecify.annotations.Nullable;
import org.redisson.api.RLock;

/**
 * Renders a lock key (or a lock name, or anything else a caller may have supplied) for a log line or an exception
 * message. Keys often come straight from requests: a key with a line break must not start a forged log line, and a
 * key of megabytes must not make one. Control characters, line and paragraph separators and invisible format
 * characters (bidi overrides, zero-width) are escaped ({@code \n}, {@code \u202e}), a backslash is doubled so that
 * the rendering is unambiguous, and anything past {@value #MAX_SHOWN} characters (of a key) is cut with
 * {@code "... (N chars)"}. Only for messages: locks are always named by the real key. Never throws.
 */
public final class KeyText {

	/** Enough for any real order id and the key prefix in front of it. */
	public static final int MAX_SHOWN = 200;

	private KeyText() {
	}

	/** Cut at {@value #MAX_SHOWN_CAUSE}: a driver's or SpEL's message may quote the key, and is long by itself. */
	public static final int MAX_SHOWN_CAUSE = 1000;

	public static String render(String text) {
		return render(text, MAX_SHOWN);
	}

	/** A lock's name ({@code <prefix>:<key>}), rendered. */
	public static String nameOf(RLock lock) {
		return render(lock.getName());
	}

	/** A failure's {@code toString()}, rendered the same way, for quoting it inside a message. */
	public static String render(Throwable failure) {
		return render(String.valueOf(failure), MAX_SHOWN_CAUSE);
	}

	public static String render(String text, int maxShown) {
		boolean truncated = text.length() > maxShown;
		int end = truncated ? maxShown : text.length();
		if (truncated && Character.isHighSurrogate(text.charAt(end - 1))) {
			// Never split an emoji in half.
			end--;
		}
		StringBuilder rendered = null;
		for (int i = 0; i < end; i++) {
			char c = text.charAt(i);
			String escape = escape(c);
			if (escape != null && rendered == null) {
				rendered = new StringBuilder(end + 16).append(text, 0, i);
			}
			if (rendered != null) {
				if (escape != null) {
					rendered.append(escape);
				}
				else {
					rendered.append(c);
				}
			}
		}
		String shown = (rendered != null) ? rendered.toString() : text.substring(0, end);
		return truncated ? shown + "... (" + text.length() + " chars)" : shown;
	}

	private static @Nullable String escape(char c) {
		switch (c) {
			case '\n':
				return "\\n";
			case '\r':
				return "\\r";
			case '\t':
				return "\\t";
			case '\0':
				return "\\0";
			case '\\':
				return "\\\\";
			default:
				int type = Character.getType(c);
				if (Character.isISOControl(c) || type == Character.LINE_SEPARATOR
						|| type == Character.PARAGRAPH_SEPARATOR || type == Character.FORMAT) {
					return String.format("\\u%04x", (int) c);
				}
				return null;
		}
	}

}
