package dev.orderlock.interceptor;

import java.lang.reflect.Method;

import dev.orderlock.OrderLock;

import org.springframework.aop.support.StaticMethodMatcherPointcut;

/**
 * Matches exactly the methods {@link LockOperationSource} finds an {@link OrderLock} on, so that matching and
 * locking can never disagree.
 */
public final class OrderLockPointcut extends StaticMethodMatcherPointcut {

	private final LockOperationSource operationSource;

	public OrderLockPointcut(LockOperationSource operationSource) {
		this.operationSource = operationSource;
	}

	@Override
	public boolean matches(Method method, Class<?> targetClass) {
		return this.operationSource.getOperation(method, targetClass) != null;
	}

}
