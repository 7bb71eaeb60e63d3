package dev.orderlock;

import java.lang.reflect.Method;

import org.springframework.aop.support.StaticMethodMatcherPointcut;

/**
 * Matches exactly the methods {@link LockOperationSource} finds an {@link OrderLock} on, so that matching and
 * locking can never disagree.
 */
final class OrderLockPointcut extends StaticMethodMatcherPointcut {

	private final LockOperationSource operationSource;

	OrderLockPointcut(LockOperationSource operationSource) {
		this.operationSource = operationSource;
	}

	@Override
	public boolean matches(Method method, Class<?> targetClass) {
		return this.operationSource.getOperation(method, targetClass) != null;
	}

}
