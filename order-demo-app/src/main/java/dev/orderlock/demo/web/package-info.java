/** HTTP concerns shared by every feature: errors as problem details, the start-up hint. */
package dev.orderlock.demo.web;
