package dev.orderlock.demo.order;

import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.orderlock.OrderLock;
import dev.orderlock.OrderLockContext;
import dev.orderlock.demo.payment.Charge;
import dev.orderlock.demo.payment.Ledger;
import dev.orderlock.demo.payment.LedgerEntry;
import dev.orderlock.demo.payment.PaymentGateway;

import org.springframework.stereotype.Service;

/**
 * Creates orders and moves them to {@code PAID} or {@code CANCELLED}.
 * <p>
 * {@link #pay} and {@link #cancel} are written the way most shops write them first: read the order, check its
 * status, do the work, write the new status. Between the check and the write of {@code pay} lies a slow gateway call,
 * and nothing in the database stops a {@code cancel} from slipping in there (no transaction or row lock is held across
 * the call, on purpose: a paused or killed instance must not block the order's row). What keeps them apart is
 * {@link OrderLock} on the order's id, shared by every instance through Redis: each method re-reads the order only
 * after it holds the lock, so the status it checks cannot change until it has written its own. Run with
 * {@code order-lock.enabled=false} and the same code lets a customer be told "cancelled" while being charged.
 * <p>
 * The lock is fenced: the final status write carries the lock's fencing token and only lands if no later holder of
 * the order's lock has written since ({@code ... WHERE id = ? AND fence < ?}), so a call paused past its lease (a
 * long GC pause, a gateway slower than the watchdog could cover) cannot overwrite a newer outcome. It cannot take
 * back a charge the gateway already made, so such a payment refunds its own charge (refunds are once per charge).
 * <p>
 * The guarded bodies of {@code pay} and {@code cancel} are marked in {@link CallTimings}, for the race's timeline: when
 * each ran, under the lock or, with the lock off, beside the other.
 * <p>
 * Failures: {@link OrderNotFoundException}, {@link OrderStateException} (transition no longer valid),
 * {@link dev.orderlock.OrderLockTimeoutException} (lock busy), {@link dev.orderlock.OrderLockUnavailableException}
 * (Redis down: nothing was read, charged or written).
 */
@Service
public class OrderService {

	private static final Logger logger = LoggerFactory.getLogger(OrderService.class);

	private final OrderRepository orders;

	private final PaymentGateway gateway;

	private final Ledger ledger;

	private final CallTimings timings;

	OrderService(OrderRepository orders, PaymentGateway gateway, Ledger ledger, CallTimings timings) {
		this.orders = orders;
		this.gateway = gateway;
		this.ledger = ledger;
		this.timings = timings;
	}

	/** Creates an order waiting for payment; needs no lock, nobody else knows its id yet. */
	public Order create(String customerId, long amountCents) {
		return this.orders.insert(customerId, amountCents, Instant.now());
	}

	public Order find(long orderId) {
		return this.orders.find(orderId).orElseThrow(() -> new OrderNotFoundException(orderId));
	}

	/** The gateway's movements for an order, oldest first. */
	public List<LedgerEntry> payments(long orderId) {
		find(orderId);
		return this.ledger.entriesOf(orderId);
	}

	/**
	 * Charges the order and marks it paid: read and check (short statement), charge at the gateway (slow, no
	 * transaction), write {@code PAID} (short statement). A charge left by an earlier payment that never finished
	 * (its instance crashed after the gateway took the money) is adopted instead of charging twice.
	 */
	@OrderLock(key = "#orderId", fenced = true)
	public Order pay(long orderId) {
		try (CallTimings.Body body = this.timings.body(orderId, "pay")) {
			Order order = find(orderId);
			if (order.status() != OrderStatus.PENDING_PAYMENT) {
				throw OrderStateException.notPayable(order);
			}
			Charge charge = adoptEarlierChargeOrCharge(order);
			// No second look at the status: under the lock it cannot have changed since the check above, unless this
			// call was paused past its lease; the fencing token catches that.
			Instant now = Instant.now();
			if (!this.orders.updateStatus(order, OrderStatus.PAID, charge.id(), now,
					OrderLockContext.currentFencingToken())) {
				throw lostToNewerHolder(order, charge);
			}
			return order.withStatus(OrderStatus.PAID, now);
		}
	}

	private Charge adoptEarlierChargeOrCharge(Order order) {
		// Under the lock nobody else is paying this order, so a charge still held is one whose payment did not
		// finish: its instance crashed, or it was paused past its lease (it refunds its own charge unless the order
		// ends paid with it). The gateway's record, not the order's status, says what the customer paid.
		List<Charge> earlier = this.ledger.unrefundedCharges(order.id());
		if (earlier.isEmpty()) {
			// The one step nothing can take back: charge only while the lock is still ours (one round trip, none
			// once a lost lease is known). A call paused past its lease stops here instead of charging.
			OrderLockContext.checkStillHeld();
			return this.gateway.charge(order.id(), order.amountCents());
		}
		Charge adopted = earlier.get(0);
		logger.warn("Order {}: adopting charge {} of an earlier payment that did not finish", order.id(), adopted.id());
		for (Charge extra : earlier.subList(1, earlier.size())) {
			this.gateway.refund(order.id(), extra);
		}
		return adopted;
	}

	/**
	 * This payment was paused past its lease and a newer holder of the order's lock has written the order since
	 * (the fence refused the write): its outcome stands. The charge this call made is refunded, unless the newer
	 * holder adopted it as the order's payment; refunds are once per charge, so racing a cancel's refund is harmless.
	 */
	private OrderStateException lostToNewerHolder(Order order, Charge charge) {
		Order current = find(order.id());
		boolean adopted = current.status() == OrderStatus.PAID
				&& this.orders.paidWith(order.id()).equals(OptionalLong.of(charge.id()));
		if (!adopted && this.gateway.refund(order.id(), charge)) {
			logger.warn("Order {}: this payment lost its lock and the order is {} now; its charge {} was refunded",
					order.id(), current.status(), charge.id());
		}
		return OrderStateException.notPayable(current);
	}

	/**
	 * Cancels an unpaid order. If money was nevertheless taken for it (a payment that crashed after the gateway
	 * took the money, or the lock is off), it is refunded, so the ledger always balances against the final status.
	 */
	@OrderLock(key = "#orderId", fenced = true)
	public Order cancel(long orderId) {
		try (CallTimings.Body body = this.timings.body(orderId, "cancel")) {
			Order order = find(orderId);
			if (order.status() != OrderStatus.PENDING_PAYMENT) {
				throw OrderStateException.notCancellable(order);
			}
			Instant now = Instant.now();
			if (!this.orders.updateStatus(order, OrderStatus.CANCELLED, null, now,
					OrderLockContext.currentFencingToken())) {
				// Paused past its lease, and a newer holder of the lock has written since: leave its outcome alone.
				throw OrderStateException.notCancellable(find(orderId));
			}
			this.gateway.refundOutstanding(orderId);
			return order.withStatus(OrderStatus.CANCELLED, now);
		}
	}

	/** Ids of orders still unpaid that were created before {@code cutoff}, oldest first. */
	List<Long> unpaidCreatedBefore(Instant cutoff, int limit) {
		return this.orders.findIdsByStatusCreatedBefore(OrderStatus.PENDING_PAYMENT, cutoff, limit);
	}

}
