package dev.orderlock.demo.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * The figures each scenario measured, printed and appended to {@code target/faults/report.txt}, which
 * docs/reliability.md quotes.
 */
final class FaultReport {

	private static final Path REPORT = Paths.get("target", "faults", "report.txt");

	private FaultReport() {
	}

	static synchronized void line(String scenario, String text) {
		String line = "[" + scenario + "] " + text;
		System.out.println("FAULT-REPORT " + line);
		try {
			Files.createDirectories(REPORT.getParent());
			Files.writeString(REPORT, line + System.lineSeparator(), StandardOpenOption.CREATE,
					StandardOpenOption.APPEND);
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot write " + REPORT, ex);
		}
	}

	/** The first few violations, for the report line. */
	@SafeVarargs
	static String sample(List<String>... violations) {
		List<String> first = Stream.of(violations).flatMap(List::stream).limit(3).toList();
		return first.isEmpty() ? "" : "; e.g. " + first;
	}

}
