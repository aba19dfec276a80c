import { z } from "zod";

/** A Discord id: 17 to 20 decimal digits (ids passed 19 digits in 2022 and will reach 20). */
export const Snowflake = z.string().regex(/^\d{17,20}$/, "must be a Discord id (17 to 20 digits)");
export type Snowflake = z.output<typeof Snowflake>;
