/** Orders, their state transitions under {@code @OrderLock}, the HTTP API and the payment-timeout job. */
package dev.orderlock.demo.order;
