package dev.orderlock.demo;

import java.net.URI;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.orderlock.demo.race.Race;
import dev.orderlock.demo.race.RaceResult;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The production-like setup: Flyway's migrations on PostgreSQL, and two instances sharing it (and Redis) excluding
 * each other per order. Uses a throw-away schema in the database at {@code ORDER_DEMO_POSTGRES_URL} (default
 * {@code jdbc:postgresql://127.0.0.1:5432/test}, user {@code ORDER_DEMO_POSTGRES_USER} or {@code postgres}, trust
 * auth); skipped, saying so, where none is reachable.
 */
class PostgresTests {

	private static final String URL = setting("ORDER_DEMO_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/test");

	private static final String USER = setting("ORDER_DEMO_POSTGRES_USER", "postgres");

	private static final String PASSWORD = setting("ORDER_DEMO_POSTGRES_PASSWORD", "");

	private static final String SCHEMA = "order_demo_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

	/** Why PostgreSQL cannot be used here, or null when it can. */
	private static String unavailable;

	private static DemoInstance first;

	private static DemoInstance second;

	@BeforeAll
	static void start() throws SQLException {
		String problem = createSchema();
		if (problem != null) {
			// Each test then skips with this reason (an assumption in @BeforeAll would hide it from the counts).
			unavailable = "Skipped: no PostgreSQL reachable at " + URL + " as user " + USER + " (" + problem
					+ "). Set ORDER_DEMO_POSTGRES_URL/_USER/_PASSWORD to run the PostgreSQL tests.";
			System.err.println(unavailable);
			return;
		}
		Map<String, String> settings = DemoInstance.defaults(URL + (URL.contains("?") ? "&" : "?") + "currentSchema="
				+ SCHEMA);
		settings.put("spring.datasource.username", USER);
		settings.put("spring.datasource.password", PASSWORD);
		settings.put("demo.payment.latency", "300ms");
		first = DemoInstance.start(settings);
		second = DemoInstance.start(settings);
	}

	@AfterAll
	static void stop() throws SQLException {
		if (second != null) {
			second.close();
		}
		if (first != null) {
			first.close();
		}
		if (unavailable != null) {
			return;
		}
		try (Connection connection = DriverManager.getConnection(URL, USER, PASSWORD);
				Statement statement = connection.createStatement()) {
			statement.execute("drop schema if exists " + SCHEMA + " cascade");
		}
		catch (SQLException ex) {
			System.err.println("Could not drop the test schema " + SCHEMA + ": " + ex.getMessage());
		}
	}

	@Test
	void orderLifecycleWorksOnPostgres() {
		assumeTrue(unavailable == null, unavailable);
		URI a = first.url();
		HttpResponse<String> created = Http.postJson(a.resolve("/api/orders"),
				"{\"customerId\": \"c-pg\", \"amountCents\": 4200}");
		assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
		long id = ((Number) Http.object(created).get("id")).longValue();

		assertThat(Http.object(Http.post(second.url("/api/orders/" + id + "/pay")))).containsEntry("status", "PAID");
		assertThat(Http.object(Http.get(a.resolve("/api/orders/" + id)))).containsEntry("status", "PAID");
		List<Map<String, Object>> ledger = Http.list(Http.get(a.resolve("/api/orders/" + id + "/payments")));
		assertThat(ledger).hasSize(1);
		assertThat(ledger.get(0)).containsEntry("type", "CHARGE").containsEntry("amountCents", 4200);
	}

	@Test
	void twoInstancesOnPostgresExcludeEachOtherPerOrder() {
		assumeTrue(unavailable == null, unavailable);
		RaceResult result = new Race().run(true, List.of(first.url(), second.url()), 20);

		assertThat(result.errors()).as("%s", result).isZero();
		assertThat(result.violations()).as("%s", result).isZero();
		assertThat(result.paid() + result.cancelled()).isEqualTo(20);
	}

	/** Creates the schema; answers why not when PostgreSQL cannot be reached. */
	private static String createSchema() {
		DriverManager.setLoginTimeout(3);
		try (Connection connection = DriverManager.getConnection(URL, USER, PASSWORD);
				Statement statement = connection.createStatement()) {
			statement.execute("create schema " + SCHEMA);
			return null;
		}
		catch (SQLException ex) {
			return ex.getMessage();
		}
	}

	private static String setting(String name, String fallback) {
		String value = System.getProperty(name, System.getenv(name));
		return (value != null && !value.isBlank()) ? value : fallback;
	}

}
