/** The order-lock demo application: the cancel-vs-pay race, with and without the lock. */
package dev.orderlock.demo;
