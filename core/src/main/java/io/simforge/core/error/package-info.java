/**
 * simforge's one exception family, unchecked: {@link io.simforge.core.error.SimforgeException} and its subtypes,
 * which every library call an application makes throws for bad input, unreadable files and failed I/O alike.
 */
package io.simforge.core.error;
