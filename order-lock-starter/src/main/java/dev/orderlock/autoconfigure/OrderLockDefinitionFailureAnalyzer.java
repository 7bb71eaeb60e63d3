package dev.orderlock.autoconfigure;

import dev.orderlock.OrderLockDefinitionException;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns an {@link OrderLockDefinitionException} into Spring Boot's start-up report: what is wrong, where, and the fix.
 */
public final class OrderLockDefinitionFailureAnalyzer extends AbstractFailureAnalyzer<OrderLockDefinitionException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, OrderLockDefinitionException cause) {
		return new FailureAnalysis(cause.getMessage(), cause.getAction(), cause);
	}

}
