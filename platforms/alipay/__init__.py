"""Alipay behind the kit's platform interface: the mini program (`miniprogram.AlipayMiniProgram`)
and payments (`pay.AlipayPay`), both through one python-alipay-sdk client (`client`)."""
