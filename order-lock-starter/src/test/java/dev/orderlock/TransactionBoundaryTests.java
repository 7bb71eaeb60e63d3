package dev.orderlock;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.redisson.api.RLock;
import org.redisson.api.RedissonClient;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.TransactionExecutionListener;
import org.springframework.transaction.support.DefaultTransactionStatus;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.transaction.annotation.Transactional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The lock is held until the transaction has committed, whether it is the method's own (the lock outside it) or
 * a transactional caller's that was already running (the lock bound to it): an instance waiting for the lock always
 * reads the committed row, even when the commit is slow. The control shows that the harness sees a stale read when
 * the lock is released before the commit. A lock lost before the commit of a bound transaction rolls it back.
 */
@Timeout(120)
class TransactionBoundaryTests {

	private static final Duration SLOW_COMMIT = Duration.ofMillis(400);

	/** Counted down when a writing transaction starts to commit (shared by both instances: same JVM). */
	static volatile CountDownLatch commitStarted = new CountDownLatch(1);

	@Test
	void waiterOnAnotherInstanceSeesTheCommittedRowEvenWithASlowCommit() throws Exception {
		try (TwoInstances instances = start()) {
			OrderRows first = instances.first.getBean(OrderRows.class);
			OrderRows second = instances.second.getBean(OrderRows.class);
			first.createTable();
			for (long orderId = 1; orderId <= 5; orderId++) {
				first.insertPending(orderId);
				commitStarted = new CountDownLatch(1);
				long id = orderId;
				CompletableFuture<Void> paying = CompletableFuture.runAsync(() -> first.markPaid(id));
				assertThat(commitStarted.await(10, TimeUnit.SECONDS)).isTrue();
				assertThat(second.readStatus(orderId)).as("status read under the lock after pay").isEqualTo("PAID");
				paying.get(10, TimeUnit.SECONDS);
			}
		}
	}

	@Test
	void lockTakenInsideAnOuterTransactionIsReleasedOnlyAfterThatTransactionCommits() throws Exception {
		try (TwoInstances instances = start()) {
			OrderRows first = instances.first.getBean(OrderRows.class);
			OrderRows second = instances.second.getBean(OrderRows.class);
			Checkout checkout = instances.first.getBean(Checkout.class);
			first.createTable();
			for (long orderId = 1; orderId <= 5; orderId++) {
				first.insertPending(orderId);
				commitStarted = new CountDownLatch(1);
				long id = orderId;
				// The outer @Transactional caller's transaction is running when @OrderLock is entered.
				CompletableFuture<Void> paying = CompletableFuture.runAsync(() -> checkout.payInOuterTransaction(id));
				assertThat(commitStarted.await(10, TimeUnit.SECONDS)).isTrue();
				assertThat(second.readStatus(orderId)).as("status read under the lock after pay").isEqualTo("PAID");
				paying.get(10, TimeUnit.SECONDS);
			}
		}
	}

	@Test
	void controlLockReleasedWhenTheMethodReturnsLetsTheWaiterReadTheOldRow() throws Exception {
		try (TwoInstances instances = start()) {
			OrderRows first = instances.first.getBean(OrderRows.class);
			OrderRows second = instances.second.getBean(OrderRows.class);
			RedissonClient redisson = instances.first.getBean(RedissonClient.class);
			String prefix = instances.first.getEnvironment().getProperty("order-lock.key-prefix");
			TransactionTemplate transaction = new TransactionTemplate(
					instances.first.getBean(DataSourceTransactionManager.class));
			first.createTable();
			first.insertPending(1L);
			commitStarted = new CountDownLatch(1);
			// What a lock that ignores the running transaction does: hand-written tryLock/unlock inside it.
			CompletableFuture<Void> paying = CompletableFuture.runAsync(() -> transaction.executeWithoutResult((status) -> {
				RLock lock = redisson.getLock(prefix + ":1");
				lock.lock();
				try {
					first.updatePaid(1L);
				}
				finally {
					lock.unlock();
				}
			}));
			assertThat(commitStarted.await(10, TimeUnit.SECONDS)).isTrue();
			assertThat(second.readStatus(1L)).isEqualTo("PENDING_PAYMENT");
			paying.get(10, TimeUnit.SECONDS);
		}
	}

	@Test
	void lockLostInsideAnOuterTransactionRollsItBackBeforeTheCommit() throws Exception {
		try (TwoInstances instances = start()) {
			OrderRows first = instances.first.getBean(OrderRows.class);
			Checkout checkout = instances.first.getBean(Checkout.class);
			OrderLockTemplate template = instances.first.getBean(OrderLockTemplate.class);
			first.createTable();
			first.insertPending(1L);
			commitStarted = new CountDownLatch(1);
			assertThatThrownBy(() -> checkout.payInOuterTransactionOutlivingTheLease(1L))
				.isInstanceOfSatisfying(OrderLockLeaseLostException.class,
						(ex) -> assertThat(ex.getKey()).isEqualTo("1"))
				.hasMessageContaining("no longer held");
			assertThat(commitStarted.getCount()).as("the commit was never attempted").isEqualTo(1);
			assertThat(first.status(1L)).isEqualTo("PENDING_PAYMENT");
			assertThat(template.getLeaseLossCount()).isEqualTo(1);
		}
	}

	@Test
	void lockLostInsideItsOwnTransactionRollsItBackBeforeTheCommit() throws Exception {
		try (TwoInstances instances = start()) {
			OrderRows first = instances.first.getBean(OrderRows.class);
			OrderLockTemplate template = instances.first.getBean(OrderLockTemplate.class);
			first.createTable();
			first.insertPending(1L);
			commitStarted = new CountDownLatch(1);
			assertThatThrownBy(() -> first.markPaidInOwnTransactionOutlivingTheLease(1L))
				.isInstanceOf(OrderLockLeaseLostException.class)
				.hasMessageContaining("no longer held");
			assertThat(commitStarted.getCount()).as("the commit was never attempted").isEqualTo(1);
			assertThat(first.status(1L)).isEqualTo("PENDING_PAYMENT");
			assertThat(template.getLeaseLossCount()).isEqualTo(1);
		}
	}

	@Test
	void holdTimeCapInsideAnOuterTransactionRollsItBackWithoutAskingRedis() throws Exception {
		try (TwoInstances instances = start()) {
			OrderRows first = instances.first.getBean(OrderRows.class);
			Checkout checkout = instances.first.getBean(Checkout.class);
			first.createTable();
			first.insertPending(1L);
			assertThatThrownBy(() -> checkout.payInOuterTransactionOutlivingMaxHoldTime(1L))
				.isInstanceOf(OrderLockLeaseLostException.class)
				.hasMessageContaining("maxHoldTime");
			assertThat(first.status(1L)).isEqualTo("PENDING_PAYMENT");
		}
	}

	private static TwoInstances start() {
		String database = "jdbc:h2:mem:tx-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
		return TwoInstances.start(TransactionalApplication.class, "spring.datasource.url=" + database,
				"order-lock.key-prefix=" + TestClients.uniquePrefix(), "order-lock.wait-time=30s");
	}

	static class OrderRows {

		private final JdbcTemplate jdbc;

		OrderRows(JdbcTemplate jdbc) {
			this.jdbc = jdbc;
		}

		public void createTable() {
			this.jdbc.execute("create table if not exists orders (id bigint primary key, status varchar(32))");
		}

		public void insertPending(long orderId) {
			this.jdbc.update("insert into orders (id, status) values (?, 'PENDING_PAYMENT')", orderId);
		}

		@OrderLock(key = "#orderId")
		@Transactional
		public void markPaid(long orderId) {
			updatePaid(orderId);
		}

		@OrderLock(key = "#orderId")
		public void markPaidInCallersTransaction(long orderId) {
			updatePaid(orderId);
		}

		@OrderLock(key = "#orderId", leaseTime = "300ms")
		public void markPaidOutlivingTheLease(long orderId) {
			updatePaid(orderId);
			OrderLockTemplateTests.sleep(Duration.ofMillis(800));
		}

		@OrderLock(key = "#orderId", leaseTime = "300ms")
		@Transactional
		public void markPaidInOwnTransactionOutlivingTheLease(long orderId) {
			updatePaid(orderId);
			OrderLockTemplateTests.sleep(Duration.ofMillis(800));
		}

		@OrderLock(key = "#orderId", maxHoldTime = "300ms")
		public void markPaidOutlivingMaxHoldTime(long orderId) {
			updatePaid(orderId);
			OrderLockTemplateTests.sleep(Duration.ofMillis(800));
		}

		public String status(long orderId) {
			return this.jdbc.queryForObject("select status from orders where id = ?", String.class, orderId);
		}

		public void updatePaid(long orderId) {
			this.jdbc.update("update orders set status = 'PAID' where id = ?", orderId);
		}

		@OrderLock(key = "#orderId")
		@Transactional(readOnly = true)
		public String readStatus(long orderId) {
			return this.jdbc.queryForObject("select status from orders where id = ?", String.class, orderId);
		}

	}

	/** An outer transactional caller: its transaction is already running when the lock is taken. */
	static class Checkout {

		private final OrderRows rows;

		Checkout(OrderRows rows) {
			this.rows = rows;
		}

		@Transactional
		public void payInOuterTransaction(long orderId) {
			this.rows.markPaidInCallersTransaction(orderId);
		}

		@Transactional
		public void payInOuterTransactionOutlivingTheLease(long orderId) {
			this.rows.markPaidOutlivingTheLease(orderId);
		}

		@Transactional
		public void payInOuterTransactionOutlivingMaxHoldTime(long orderId) {
			this.rows.markPaidOutlivingMaxHoldTime(orderId);
		}

	}

	/** Commits writing transactions slowly, so a lock released before the commit would be caught. */
	static class SlowCommitTransactionManager extends DataSourceTransactionManager {

		SlowCommitTransactionManager(DataSource dataSource, List<TransactionExecutionListener> listeners) {
			super(dataSource);
			// What Spring Boot does for the transaction managers it configures, done by hand for one of our own.
			setTransactionExecutionListeners(listeners);
		}

		@Override
		protected void doCommit(DefaultTransactionStatus status) {
			if (!status.isReadOnly()) {
				commitStarted.countDown();
				OrderLockTemplateTests.sleep(SLOW_COMMIT);
			}
			super.doCommit(status);
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class TransactionalApplication {

		@Bean
		SlowCommitTransactionManager transactionManager(DataSource dataSource,
				ObjectProvider<TransactionExecutionListener> listeners) {
			return new SlowCommitTransactionManager(dataSource, listeners.orderedStream().toList());
		}

		@Bean
		OrderRows orderRows(JdbcTemplate jdbc) {
			return new OrderRows(jdbc);
		}

		@Bean
		Checkout checkout(OrderRows orderRows) {
			return new Checkout(orderRows);
		}

	}

}
