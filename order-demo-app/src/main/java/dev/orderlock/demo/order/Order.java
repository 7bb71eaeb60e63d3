package dev.orderlock.demo.order;

import java.time.Instant;

/**
 * An order as stored and as the API returns it.
 *
 * @param id database identity
 * @param customerId who ordered
 * @param amountCents what the order costs, in cents
 * @param status current status
 * @param createdAt when it was created
 * @param updatedAt when its status last changed
 */
public record Order(long id, String customerId, long amountCents, OrderStatus status, Instant createdAt,
		Instant updatedAt) {

	Order withStatus(OrderStatus newStatus, Instant at) {
		return new Order(this.id, this.customerId, this.amountCents, newStatus, this.createdAt, at);
	}

}
