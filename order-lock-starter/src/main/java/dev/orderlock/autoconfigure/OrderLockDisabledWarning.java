package dev.orderlock.autoconfigure;

import dev.orderlock.OrderLock;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.InitializingBean;

/**
 * Says loudly at start-up that {@code order-lock.enabled=false} leaves every guarded method unlocked.
 */
final class OrderLockDisabledWarning implements InitializingBean {

	private static final Log logger = LogFactory.getLog(OrderLockDisabledWarning.class);

	@Override
	public void afterPropertiesSet() {
		warn();
	}

	static void warn() {
		logger.warn("order-lock.enabled=false: methods annotated with @OrderLock run WITHOUT any lock, so cancel and "
				+ "pay of one order can interleave across instances. Use this only to demonstrate the race.");
	}

}
