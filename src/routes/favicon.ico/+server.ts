/**
 * /favicon.ico, for browsers and tools that ask for it whatever the page names (the pages name
 * /favicon.svg first). Served from here with its type: the static files' server sends .ico
 * without one. The same ring as favicon.svg, at 16, 32 and 48 px (PNG in an ICO).
 */
import type { RequestHandler } from './$types';

const ICO = Buffer.from(
	'AAABAAMAEBAAAAEAIACFAAAANgAAACAgAAABACAAuAAAALsAAAAwMAAAAQAgAAMBAABzAQAAiVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAATElEQVR42mNgwAGUjsb9R8YMxAJ0jSQZBFPEL66FFeM1hJBmvIYQqxmnIaRoRjYEr+3ogYfTFcPAAIoDkSrRSHFCokpSpkpmIic7AwA8HkZ4ZF7QHAAAAABJRU5ErkJggolQTkcNChoKAAAADUlIRFIAAAAgAAAAIAgGAAAAc3p69AAAAH9JREFUeNrtlzEOACAIA/2Bo7ujj/K3vks/YCKK1WogYaW3AK1zL1UsuUr6iigERiuugugN8iGJWg2xKjwCOSq+BLFbfAoCJS6GQIr3ILgAdqyaCmJm0Ojo/A0gPb0G8C+AbQHsENkvoHjH1w0JhSWjMKUUtpwimFBEM4pwiq4GuYQKOMkCMCAAAAAASUVORK5CYIKJUE5HDQoaCgAAAA1JSERSAAAAMAAAADAIBgAAAFcC+YcAAADKSURBVHja7ZoxDoAwCEV7A0d3Rw/lbT2XDq5GhULhfyFhte/VRCm0tYorln07JAkJnUbGCny4iBf4EBEJwDSvtxkmoQV+yyESHuASERd4K/CvIhDwphJR8CYS0fDdEhngnyRg4FUS0AIZ4UUSdAJe5YHVc112v7fYU78Fi0WkJXMqAW3d7ybgvftW65RACZQAqwD8Z/R3P7LwUgK+mKvzQJ3K6kxM0lahaGzBtxYpmrsU7XWKAQfFiIliyEcxZqUYdNNcNaC57JEhTnDKe7ZchlVzAAAAAElFTkSuQmCC',
	'base64'
);

export const GET: RequestHandler = () =>
	new Response(ICO, { headers: { 'content-type': 'image/x-icon', 'cache-control': 'public, max-age=86400' } });
