/** The race runner: pay and cancel fired at the same moment, with the lock on and off, counted and tabled. */
package dev.orderlock.demo.race;
