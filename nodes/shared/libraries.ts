/**
 * The library layers the adapter loads on first use: a Node-RED that has the package but runs no
 * node needing them (and opens no scan or discovery in the editor) never loads the transports
 * behind the opener table, the VISA layer or the Watlow library. Only the types are imported at
 * build time; test/nodes/lazy-load.test.ts checks what an empty flow loads.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
import type * as TransportModule from '../../src/transport';
import type * as VisaModule from '../../src/visa';
import type * as WatlowModule from '../../src/watlow';

export const transportLib = (): typeof TransportModule => require('../../src/transport');
export const visaLib = (): typeof VisaModule => require('../../src/visa');
export const watlowLib = (): typeof WatlowModule => require('../../src/watlow');
