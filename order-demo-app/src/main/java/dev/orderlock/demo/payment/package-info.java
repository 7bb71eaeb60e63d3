/** The simulated payment gateway and its ledger of charges and refunds. */
package dev.orderlock.demo.payment;
