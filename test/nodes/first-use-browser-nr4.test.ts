// What a new user meets, in the Node-RED 4.1 editor and dashboard in headless Chromium.
import { defineFirstUseBrowser } from './first-use-browser';

defineFirstUseBrowser('node-red');
