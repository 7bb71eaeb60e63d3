package dev.orderlock;

import java.util.UUID;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A fresh in-memory H2 database with a transaction manager set up as Spring Boot sets up the ones it configures
 * (with {@link OrderLockTransactionListener}), and the two ways tests begin transactions on it.
 *
 * @param jdbc the database
 * @param transaction joins a running transaction or begins one
 * @param requiresNew always begins a new one
 */
record TestTransactions(JdbcTemplate jdbc, TransactionTemplate transaction, TransactionTemplate requiresNew) {

	static TestTransactions create(String table) {
		DriverManagerDataSource dataSource = new DriverManagerDataSource(
				"jdbc:h2:mem:tx-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
		DataSourceTransactionManager manager = new DataSourceTransactionManager(dataSource);
		manager.addListener(new OrderLockTransactionListener());
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		jdbc.execute("create table " + table);
		TransactionTemplate requiresNew = new TransactionTemplate(manager);
		requiresNew.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
		return new TestTransactions(jdbc, new TransactionTemplate(manager), requiresNew);
	}

}
